package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import dev.turnout.host.files.Download;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * mihomo's {@code external-ui}, {@code external-ui-name} and {@code external-ui-url}: the dashboard's folder, and
 * fetching it. A folder that is missing or empty at start is downloaded from the URL (metacubexd's when none is
 * written, as in mihomo), so a config written for mihomo starts with its dashboard; {@code POST /upgrade/ui}
 * downloads it again over what is there. Only a zip is taken, unpacked within the folder and within limits.
 *
 * @param folder what {@code /ui/} serves
 * @param url where the dashboard's zip comes from
 * @param home where the archive and the unpacking folder are kept meanwhile
 */
record ExternalUi(Path folder, String url, Path home) {

    /** mihomo's default {@code external-ui-url}. */
    static final String METACUBEXD = "https://github.com/MetaCubeX/metacubexd/archive/refs/heads/gh-pages.zip";
    /** Bounds on an archive's content: dashboards unpack to a few MB in a few hundred files. */
    static final int MAX_ENTRIES = 20_000;
    static final long MAX_UNPACKED_BYTES = 256L * 1024 * 1024;
    /** What a download keeps beside the folder while it runs: the archive, the unpacked tree, the old dashboard. */
    private static final String LEFT_PREFIX = ".turnout-ui-";

    /**
     * The dashboard {@code c} names, with {@code externalUi} in place of its {@code external-ui} (the command
     * line's {@code -ext-ui}); {@code null} when it names none (then Turnout's own page is served).
     */
    static ExternalUi of(Config c, String externalUi) {
        boolean named = c.externalUiName() != null && !c.externalUiName().isBlank();
        if ((externalUi == null || externalUi.isBlank()) && !named) {
            return null;
        }
        Path folder = c.baseDir().resolve(externalUi == null || externalUi.isBlank() ? "ui" : externalUi.trim());
        if (named) {
            folder = folder.resolve(c.externalUiName().trim());
        }
        return new ExternalUi(folder.toAbsolutePath().normalize(), urlOf(c), c.baseDir().toAbsolutePath().normalize());
    }

    /** {@code external-ui-url}, or metacubexd's when none is written. */
    static String urlOf(Config c) {
        return c.externalUiUrl() == null || c.externalUiUrl().isBlank() ? METACUBEXD : c.externalUiUrl().trim();
    }

    /** Whether there is nothing to serve yet: no folder, or an empty one. */
    boolean missing() {
        if (!Files.isDirectory(folder)) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false; // there, but unreadable: not Turnout's to replace
        }
    }

    /** What is wrong when something other than a folder is at the folder's path; {@code null} when nothing is. */
    String notAFolder() {
        return Files.exists(folder) && !Files.isDirectory(folder) ? "external-ui " + folder + " is not a folder" : null;
    }

    /**
     * Downloads the zip and puts its content in the folder, replacing what was there; on failure the folder is as
     * it was and nothing is left beside it.
     */
    void download(Consumer<String> progress) throws IOException {
        if (Files.isSymbolicLink(folder)) {
            throw new IOException("external-ui " + folder + " is a symbolic link: Turnout replaces only a folder of"
                    + " its own, not what a link points to");
        }
        String wrong = notAFolder();
        if (wrong != null) {
            throw new IOException(wrong);
        }
        Files.createDirectories(home);
        tidyAfterAStoppedDownload();
        Path archive = home.resolve(LEFT_PREFIX + "download.zip");
        Path unpacked = Files.createTempDirectory(home, LEFT_PREFIX);
        try {
            Download.fetch(url, archive, Download.MAX_BYTES, ExternalUi::checkZip, progress);
            Path root = unpack(archive, unpacked);
            replaceFolder(root);
            progress.accept("dashboard from " + url + " is in " + folder);
        } finally {
            Files.deleteIfExists(archive);
            deleteTree(unpacked);
        }
    }

    /**
     * What a download stopped half way (Turnout killed, the machine off) left in the home folder: the dashboard it
     * had moved aside goes back when the folder is missing, the rest goes. Downloads run one at a time on one
     * instance per home folder, so none of it is another's.
     */
    private void tidyAfterAStoppedDownload() throws IOException {
        List<Path> left;
        try (Stream<Path> entries = Files.list(home)) {
            left = entries.filter(p -> p.getFileName().toString().startsWith(LEFT_PREFIX)).sorted().toList();
        }
        for (Path p : left) {
            boolean movedAside = p.getFileName().toString().startsWith(LEFT_PREFIX + "old-")
                    && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            if (movedAside && !Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(folder.getParent());
                Files.move(p, folder);
            } else {
                deleteTree(p);
            }
        }
    }

    private static void checkZip(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n == 4 && head[0] == 0x1f && head[1] == (byte) 0x8b) {
                throw new IOException("a .tar.gz dashboard is not supported; give external-ui-url a .zip");
            }
            if (n < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
                throw new IOException("not a zip archive");
            }
        }
    }

    /**
     * Unpacks {@code archive} into {@code into}; returns the folder holding the dashboard: the archive's one top
     * folder when it has one (GitHub's {@code metacubexd-gh-pages/}), else {@code into} itself, as mihomo does.
     */
    static Path unpack(Path archive, Path into) throws IOException {
        long total = 0;
        int count = 0;
        List<String> tops = new ArrayList<>();
        boolean fileAtTop = false;
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            if (zip.size() > MAX_ENTRIES) {
                throw new IOException("the archive holds more than " + MAX_ENTRIES + " entries");
            }
            for (ZipEntry e : zip.stream().map(ZipEntry.class::cast).toList()) {
                count++;
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into) || target.equals(into)) {
                    throw new IOException("the archive's entry '" + e.getName() + "' would land outside its folder");
                }
                String top = into.relativize(target).getName(0).toString();
                if (into.relativize(target).getNameCount() == 1 && !e.isDirectory()) {
                    fileAtTop = true;
                } else if (!tops.contains(top)) {
                    tops.add(top);
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = zip.getInputStream(e)) {
                    // Counted as written, not as the entry claims: a zip bomb states small sizes.
                    long left = MAX_UNPACKED_BYTES - total;
                    long n = Files.copy(new BoundedStream(in, left + 1), target);
                    total += n;
                    if (total > MAX_UNPACKED_BYTES) {
                        throw new IOException("the archive unpacks to more than " + Download.bytes(MAX_UNPACKED_BYTES));
                    }
                } catch (FileAlreadyExistsException dup) {
                    throw new IOException("the archive holds '" + e.getName() + "' twice");
                }
            }
        }
        if (count == 0) {
            throw new IOException("the archive is empty");
        }
        return !fileAtTop && tops.size() == 1 ? into.resolve(tops.get(0)) : into;
    }

    /** Moves {@code root}'s content in place of the folder's. */
    private void replaceFolder(Path root) throws IOException {
        Path old = null;
        if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            old = Files.createTempDirectory(home, LEFT_PREFIX + "old-");
            Files.delete(old);
            Files.move(folder, old);
        }
        try {
            Files.createDirectories(folder.getParent());
            Files.move(root, folder);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, folder); // as it was
            }
            throw e;
        }
        if (old != null) {
            deleteTree(old);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) { // links are not followed: only the tree itself goes
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Reads at most {@code limit} bytes of {@code in}: enough to tell that an entry is too large. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
