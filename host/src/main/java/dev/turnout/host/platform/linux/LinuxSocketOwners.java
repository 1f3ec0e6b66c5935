package dev.turnout.host.platform.linux;

import dev.turnout.host.platform.SocketOwner;
import dev.turnout.host.platform.SocketOwners;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Linux: the socket's uid and inode from {@link SockDiag}, then the process holding that inode from
 * {@code /proc/PID/fd} (only processes of that uid are searched, as mihomo does) and its executable from
 * {@code /proc/PID/exe}. Seeing other users' descriptors needs root (or CAP_SYS_PTRACE); without it the uid is
 * still found and the path is not.
 */
final class LinuxSocketOwners implements SocketOwners {

    private static final Path PROC = Path.of("/proc");

    @Override
    public SocketOwner find(boolean udp, InetSocketAddress local, int remotePort) throws IOException {
        SockDiag.Found found = SockDiag.query(udp, local, remotePort);
        if (found == null) {
            return null;
        }
        return new SocketOwner(found.uid(), executableHolding(found.inode(), found.uid()));
    }

    /** The executable of the first process of {@code uid} with a descriptor on socket {@code inode}, or null. */
    static String executableHolding(long inode, long uid) {
        String socket = "socket:[" + inode + "]";
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(PROC, LinuxSocketOwners::isPid)) {
            for (Path pid : pids) {
                if (ownerOf(pid) != uid) {
                    continue;
                }
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(pid.resolve("fd"))) {
                    for (Path fd : fds) {
                        if (socket.equals(link(fd))) {
                            return link(pid.resolve("exe"));
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // The process ended, or is not ours to look at: go on with the next.
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static boolean isPid(Path p) {
        String name = p.getFileName().toString();
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return !name.isEmpty();
    }

    private static long ownerOf(Path pid) {
        try {
            return ((Number) Files.getAttribute(pid, "unix:uid")).longValue() & 0xFFFFFFFFL;
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return null;
        }
    }
}
