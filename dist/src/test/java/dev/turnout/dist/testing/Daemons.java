package dev.turnout.dist.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Real upstream proxies, configured by the test and started inside its namespace. */
public final class Daemons {

    private Daemons() {
    }

    public static String missing(String binary) {
        for (String dir : new String[] {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"}) {
            if (Files.isExecutable(Path.of(dir + binary))) {
                return null;
            }
        }
        return binary + " is not installed (the test command installs it with apt-get when run as root)";
    }

    /** dante-server on 127.0.0.1:{@code port}, no authentication, CONNECT and UDP ASSOCIATE; logs to {@code log}. */
    public static Process dante(Netns ns, Path dir, int port, Path log) throws IOException, InterruptedException {
        return dante(ns, dir, "127.0.0.1", port, log);
    }

    /** The same on {@code address}, which also is the address it connects out from. */
    public static Process dante(Netns ns, Path dir, String address, int port, Path log) throws IOException, InterruptedException {
        Path conf = dir.resolve("danted.conf");
        Files.writeString(conf, String.join("\n",
                "logoutput: " + log,
                // debug 1 logs each request as received (ATYP and address): how a test sees a name was sent.
                "debug: 1",
                "internal: " + address + " port = " + port,
                "external: " + address,
                "clientmethod: none",
                "socksmethod: none",
                "user.privileged: root",
                "user.unprivileged: nobody",
                // dante wants one keyword per line inside a rule.
                "client pass {", "  from: 0.0.0.0/0 to: 0.0.0.0/0", "  log: connect disconnect error", "}",
                "socks block {", "  from: 0.0.0.0/0 to: 127.0.0.1/32 port = 9", "  log: connect error", "}",
                "socks pass {", "  from: 0.0.0.0/0 to: 0.0.0.0/0", "  command: connect udpassociate udpreply",
                "  log: connect disconnect error", "}",
                ""));
        Process p = ns.spawn(dir.resolve("danted.out"), "danted", "-f", conf.toString(), "-p", dir.resolve("danted.pid").toString());
        ns.awaitTcpPort(port, Duration.ofSeconds(15));
        return p;
    }

    /** tinyproxy on 127.0.0.1:{@code port}, allowing CONNECT to {@code connectPorts}; logs connections to {@code log}. */
    public static Process tinyproxy(Netns ns, Path dir, int port, Path log, int... connectPorts)
            throws IOException, InterruptedException {
        return tinyproxy(ns, dir, "127.0.0.1", "127.0.0.1", port, log, connectPorts);
    }

    /** The same listening on {@code address}, serving clients from {@code allow} (an address or CIDR). */
    public static Process tinyproxy(Netns ns, Path dir, String address, String allow, int port, Path log,
                                    int... connectPorts) throws IOException, InterruptedException {
        Path conf = dir.resolve("tinyproxy.conf");
        StringBuilder sb = new StringBuilder();
        sb.append("Port ").append(port).append('\n')
                .append("Listen ").append(address).append('\n')
                .append("Timeout 30\n")
                .append("LogFile \"").append(log).append("\"\n")
                .append("LogLevel Connect\n")
                .append("MaxClients 64\n")
                .append("Allow ").append(allow).append('\n')
                .append("DisableViaHeader Yes\n");
        for (int p : connectPorts) {
            sb.append("ConnectPort ").append(p).append('\n');
        }
        Files.writeString(conf, sb.toString());
        // tinyproxy drops to 'nobody' when started as root: let it write its log.
        Files.writeString(log, "");
        log.toFile().setWritable(true, false);
        dir.toFile().setExecutable(true, false);
        Process p = ns.spawn(dir.resolve("tinyproxy.out"), "tinyproxy", "-d", "-c", conf.toString());
        ns.awaitTcpPort(port, Duration.ofSeconds(15));
        return p;
    }

    /**
     * A dnsmasq serving DNS on {@code address}:{@code port} in {@code ns}, from nothing but {@code answers}
     * ({@code --host-record=web.test,192.0.2.2}, {@code --local=/test/}, ...): no resolv.conf, no hosts file, no other
     * config; every query logged to {@code log}.
     */
    public static Process dnsmasq(Netns ns, Path log, String address, int port, String... answers) throws IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("dnsmasq", "--no-daemon", "--no-resolv",
                "--no-hosts", "-C", "/dev/null", "--listen-address=" + address, "--bind-interfaces", "--port=" + port,
                "--log-queries", "--pid-file="));
        cmd.addAll(java.util.List.of(answers));
        return ns.spawn(log, cmd.toArray(String[]::new));
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java -cp <this test's class path> Peers ARGS}, for running a peer inside a namespace. */
    public static String[] peer(String... args) {
        String[] cmd = new String[4 + args.length];
        cmd[0] = java();
        cmd[1] = "-cp";
        cmd[2] = System.getProperty("java.class.path");
        cmd[3] = Peers.class.getName();
        System.arraycopy(args, 0, cmd, 4, args.length);
        return cmd;
    }
}
