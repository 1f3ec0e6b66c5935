package dev.turnout.host.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The network namespace this process runs in, for the names of the files that belong to one: the instance locks
 * and the route state. Routes, rules and TUN devices are per namespace, so two instances in two namespaces must
 * not share a record of them.
 */
public final class NetworkNamespace {

    private NetworkNamespace() {
    }

    /**
     * {@code net-4026531840} from the link {@code net:[4026531840]} of {@code /proc/self/ns/net} (each
     * {@code ip netns} has its own), or {@code host} where there are no namespaces (not Linux).
     */
    public static String current() {
        return of(Path.of("/proc/self/ns/net"));
    }

    /**
     * {@code base} with {@code -net-<inode>} before its extension, or {@code base} where there are no namespaces.
     * Every namespace's files are named for it, the machine's own too: which one that is cannot be told reliably
     * (pid 1's link is unreadable in some containers, and the machine's inode is fixed only on recent kernels).
     */
    public static String fileName(String base) {
        String self = current();
        if ("host".equals(self)) {
            return base;
        }
        int dot = base.lastIndexOf('.');
        return dot < 0 ? base + "-" + self : base.substring(0, dot) + "-" + self + base.substring(dot);
    }

    static String of(Path link) {
        try {
            String target = Files.readSymbolicLink(link).toString();
            String inode = target.replaceAll("\\D", "");
            return inode.isEmpty() ? "host" : "net-" + inode;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "host";
        }
    }
}
