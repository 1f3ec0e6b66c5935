package dev.turnout.host.plugin;

import java.util.List;

/**
 * The packages a plugin must take from the host, never from its own jar: PF4J's class loader is child-first,
 * and a bundled copy of a shared type is a different class (ClassCastException at the first handoff, and a
 * second copy of Netty's native transport).
 */
final class SharedPackages {

    private static final List<String> PREFIXES = List.of(
            "dev.turnout.api.", "io.netty.", "org.slf4j.", "org.pf4j.", "com.sun.jna.", "org.yaml.snakeyaml.");

    private SharedPackages() {
    }

    static boolean isShared(String className) {
        for (String prefix : PREFIXES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
