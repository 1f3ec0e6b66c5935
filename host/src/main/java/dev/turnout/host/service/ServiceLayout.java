package dev.turnout.host.service;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a system service of Turnout runs: the installed Turnout ({@code home}, holding {@code bin/turnout}), the
 * config, and the user it runs as (Linux; a macOS LaunchDaemon runs as root, which utun needs).
 *
 * @param home the unpacked distribution, e.g. {@code /opt/turnout}
 * @param config the config file, e.g. {@code /etc/turnout/config.yaml}
 * @param user the service's own user on Linux, e.g. {@code turnout}
 */
public record ServiceLayout(Path home, Path config, String user) {

    /**
     * Exactly what TUN mode needs and no more: the TUN, routes and DNS; low ports; raw sockets (ping); and loading
     * the small eBPF program that sends each TUN packet to the queue of the thread owning its flow. Without CAP_BPF
     * (Linux 5.8 and later; root has it) Debian's kernels refuse that program to a non-root process, and the TUN
     * runs with the kernel's own queue choice, handing packets between threads on every new connection.
     */
    public static final List<String> CAPABILITIES =
            List.of("CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_BPF");

    public ServiceLayout {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(config, "config");
        if (!home.isAbsolute() || !config.isAbsolute()) {
            throw new IllegalArgumentException("a service needs absolute paths: " + home + ", " + config);
        }
        if (user == null || !user.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw new IllegalArgumentException("not a user name: " + user);
        }
        for (Path p : List.of(home, config)) {
            if (p.toString().matches(".*[\\s\"'\\\\%$].*")) {
                // unit files and plists would need quoting; a service path never needs these characters
                throw new IllegalArgumentException("a service path may not hold spaces, quotes, %, $ or \\: " + p);
            }
        }
    }

    /** {@code HOME/bin/turnout}. */
    public Path launcher() {
        return home.resolve("bin").resolve("turnout");
    }
}
