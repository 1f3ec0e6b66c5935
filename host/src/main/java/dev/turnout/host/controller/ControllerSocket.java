package dev.turnout.host.controller;

import dev.turnout.host.files.FileProblems;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The file of mihomo's {@code external-controller-unix} (Clash Verge Rev talks to its core there). Requests on it
 * are not asked for the secret, as in mihomo, so the file itself is the guard: mihomo makes it {@code 0666}, which
 * lets every local user steer the machine's traffic; Turnout makes it {@code 0600}, owned by whoever started
 * Turnout: the user behind {@code sudo} when run through it, so that their own GUI still reaches a Turnout running
 * as root for the TUN.
 */
final class ControllerSocket {

    /** {@code S_IFMT} and {@code S_IFSOCK} of stat(2). */
    private static final int TYPE_MASK = 0170000;
    private static final int SOCKET = 0140000;

    private ControllerSocket() {
    }

    /** Where {@code asked} is: relative paths under the home folder, as mihomo resolves them. */
    static Path resolve(Path home, String asked) {
        return home.resolve(asked.trim()).toAbsolutePath().normalize();
    }

    /**
     * Makes {@code path} free to bind: its folder created, a socket left behind by an earlier run (killed before it
     * could remove it) removed. Anything else there is not Turnout's to delete.
     *
     * @throws IllegalArgumentException when the path holds something other than a socket, or the folder cannot be made
     */
    static void prepare(Path path) {
        try {
            Files.createDirectories(path.getParent());
            try {
                if (!isSocket(path)) { // a symbolic link too: its own type, not followed
                    throw notASocket(path);
                }
            } catch (NoSuchFileException e) {
                return;
            }
            if (answers(path)) {
                throw new IllegalArgumentException("external-controller-unix: another program listens on " + path
                        + "; Turnout removes only a socket nobody listens on (one a killed run left)");
            }
            Files.delete(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("external-controller-unix " + path + ": " + FileProblems.why(e, path), e);
        }
    }

    /**
     * What {@link #prepare} refuses that {@code turnout check} can see without changing anything: something other than
     * a socket at the path (one a program listens on may be a running Turnout's own, and is left to the start).
     *
     * @throws IllegalArgumentException as {@link #prepare} would
     */
    static void check(Path path) {
        try {
            if (!isSocket(path)) {
                throw notASocket(path);
            }
        } catch (NoSuchFileException e) {
            // free
        } catch (IOException e) {
            throw new IllegalArgumentException("external-controller-unix " + path + ": " + FileProblems.why(e, path), e);
        }
    }

    private static IllegalArgumentException notASocket(Path path) {
        return new IllegalArgumentException("external-controller-unix: " + path + " exists and is not a socket; remove "
                + "it or name another path");
    }

    /**
     * Whether a program listens on the socket at {@code path}: a connection is taken or waits in its backlog. A socket
     * a killed run left refuses it.
     */
    private static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Gives the bound socket to its user alone (see the class comment); {@code env} is the process environment.
     *
     * @return who may use it, for the log
     */
    static String restrict(Path path, Map<String, String> env) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        String uid = env.get("SUDO_UID");
        String gid = env.get("SUDO_GID");
        if ("root".equals(System.getProperty("user.name")) && uid != null && uid.matches("\\d{1,10}")) {
            Files.setAttribute(path, "unix:uid", Integer.parseUnsignedInt(uid), LinkOption.NOFOLLOW_LINKS);
            if (gid != null && gid.matches("\\d{1,10}")) {
                Files.setAttribute(path, "unix:gid", Integer.parseUnsignedInt(gid), LinkOption.NOFOLLOW_LINKS);
            }
            return "user " + env.getOrDefault("SUDO_USER", uid) + " (who ran sudo)";
        }
        return "user " + System.getProperty("user.name");
    }

    /** Removes the socket at close, if it is still one: nothing of Turnout's is left behind. */
    static void remove(Path path) {
        try {
            if (isSocket(path)) {
                Files.delete(path);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Gone already, or not ours to judge: nothing to do.
        }
    }

    /** Whether {@code path} itself (a link not followed) is a socket; {@link NoSuchFileException} when absent. */
    private static boolean isSocket(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) mode & TYPE_MASK) == SOCKET;
    }
}
