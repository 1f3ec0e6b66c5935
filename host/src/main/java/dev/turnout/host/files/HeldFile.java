package dev.turnout.host.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * A small file this process holds an exclusive lock on, for as long as it runs or until {@link #close}. The kernel
 * drops the lock when the process ends, however it ends ({@code kill -9} included), so a held lock proves a live
 * holder; the file left by a killed one is simply locked again by the next.
 *
 * <p>POSIX record locks, which a process loses when it closes <em>any</em> descriptor of the file: the holder never
 * opens its own file a second time.
 */
public final class HeldFile implements AutoCloseable {

    private static final int LOCK_ATTEMPTS = 5;

    private final Path file;
    private final FileChannel channel;
    private boolean closed;

    private HeldFile(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Opens {@code file} (creating it) and locks it, or returns empty when another process holds it, or this one
     * does already. A holder deletes its file as it lets go (still holding the lock), so a lock won on a file that has
     * meanwhile left the folder is worth nothing: the folder may hold a new file of that name already. Then it tries
     * again with whatever the name now stands for.
     *
     * @throws IOException when the file cannot be opened, or keeps being replaced while it is locked
     */
    public static Optional<HeldFile> tryHold(Path file) throws IOException {
        for (int attempt = 1; ; attempt++) {
            FileChannel channel;
            try {
                // Never through a link: the folder may be writable by another user (a service's, the config's), who
                // could point the name at any file for a root Turnout to write its holder into.
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                if (Files.isSymbolicLink(file)) {
                    throw new IOException(file + " is a symbolic link: Turnout writes its lock files only as files of"
                            + " their own; remove the link (who made it?)", e);
                }
                throw e;
            }
            Object opened = fileKey(file);
            if (!tryLock(channel)) {
                channel.close();
                return Optional.empty();
            }
            if (opened != null && opened.equals(fileKey(file))) {
                return Optional.of(new HeldFile(file, channel));
            }
            channel.close();
            if (attempt >= LOCK_ATTEMPTS) {
                throw new IOException(file + " keeps being replaced while it is locked; is another Turnout starting?");
            }
        }
    }

    /** The file's identity (device and inode), or {@code null} when there is no file by that name. */
    private static Object fileKey(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static boolean tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            return false; // this very process holds it already
        }
    }

    /** The locked file's channel, to write who holds it; never closed by anyone but {@link #close}. */
    public FileChannel channel() {
        return channel;
    }

    /**
     * Removes the file and lets the lock go. The file is deleted while still locked, so no other process can have
     * won it in between (see {@link #tryHold}); one that is left behind (deletion refused) is harmless: the next
     * holder locks and reuses it. Only the first call acts: after it, the name may be another holder's file.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // left behind: see above
        }
        try {
            channel.close(); // closing drops the lock
        } catch (IOException e) {
            // the descriptor is gone either way, and the lock with it
        }
    }
}
