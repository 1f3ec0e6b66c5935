package dev.turnout.host.dns;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.api.testing.UnboundConf;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real unbound on 127.0.0.1 speaking plain DNS, DNS over TLS and DNS over HTTPS (HTTP/2) on three free ports,
 * with a certificate for {@code dns.test} and 127.0.0.1 from a throwaway CA. It answers only its own records:
 * every other name gets NXDOMAIN from a static root zone, so it never asks the internet.
 */
final class Unbound implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/unbound");
    /** Answers of the test zone. */
    static final String A_TEST = "192.0.2.10";
    static final String B_TEST = "192.0.2.11";

    private final DaemonProcess process;
    final TestCertificates certificates;
    final int plainPort;
    final int tlsPort;
    final int httpsPort;
    private final Path config;

    private Unbound(DaemonProcess process, TestCertificates certificates, int plainPort, int tlsPort, int httpsPort,
            Path config) {
        this.process = process;
        this.config = config;
        this.certificates = certificates;
        this.plainPort = plainPort;
        this.tlsPort = tlsPort;
        this.httpsPort = httpsPort;
    }

    /** Starts it in {@code dir}; skips the test (fails under CI) when unbound is not installed. */
    static Unbound start(Path dir) throws IOException, InterruptedException {
        return start(dir, conf -> { });
    }

    /**
     * One that also passes the names under {@code zone} on to {@code to} over UDP, with the EDNS Client Subnet of the
     * query it was asked (RFC 7871; its {@code subnetcache} module), or, for a query without one, its own client's
     * subnet (127.0.0.0/24 here). Subnets longer than /24 (IPv4) or /56 (IPv6) are cut to that, unbound's default.
     */
    static Unbound forwardingSubnets(Path dir, String zone, InetSocketAddress to)
            throws IOException, InterruptedException {
        String address = to.getAddress().getHostAddress();
        return start(dir, conf -> {
            conf.replaceAll(line -> line.trim().startsWith("module-config:") ? "  module-config: \"subnetcache iterator\""
                    : line);
            conf.addAll(List.of("  local-zone: \"" + zone + ".\" transparent", "  do-not-query-localhost: no",
                    "  send-client-subnet: " + address, "forward-zone:", "  name: \"" + zone + ".\"",
                    "  forward-addr: " + address + "@" + to.getPort()));
        });
    }

    private static Unbound start(Path dir, java.util.function.Consumer<List<String>> more)
            throws IOException, InterruptedException {
        Required.that(Files.isExecutable(BINARY), () -> "unbound is not installed (apt-get install unbound)");
        TestCertificates certs = TestCertificates.issue(dir.resolve("certs"), "dns.test", "127.0.0.1");
        int plain = Dnsmasq.freePort();
        int tls = Dnsmasq.freePort();
        int https = Dnsmasq.freePort();
        for (int i = 0; i < 10 && (tls == plain || https == plain || https == tls); i++) {
            tls = Dnsmasq.freePort();
            https = Dnsmasq.freePort();
        }
        Map<String, String> records = new LinkedHashMap<>();
        records.put("a.test", A_TEST);
        records.put("b.test", B_TEST);
        records.put("dns.test", "127.0.0.1");
        records.put("other.test", "127.0.0.1");
        List<String> conf = new ArrayList<>(UnboundConf.lines(dir, certs,
                List.of("127.0.0.1@" + plain, "127.0.0.1@" + tls, "127.0.0.1@" + https), tls, https, records));
        conf.add("  port: " + plain);
        more.accept(conf);
        Path file = dir.resolve("unbound.conf");
        Files.write(file, conf);
        DaemonProcess p = DaemonProcess.start("unbound", List.of(BINARY.toString(), "-d", "-c", file.toString()),
                dir, dir.resolve("unbound.log"), https);
        return new Unbound(p, certs, plain, tls, https, file);
    }

    /**
     * stunnel4 in front of the plain port: DNS over TLS from another implementation, one that offers no ALPN.
     * Closed with the returned process.
     */
    DaemonProcess stunnel(Path dir) throws IOException, InterruptedException {
        Path binary = Path.of("/usr/bin/stunnel4");
        Required.that(Files.isExecutable(binary), () -> "stunnel4 is not installed (apt-get install stunnel4)");
        int port = Dnsmasq.freePort();
        Path conf = dir.resolve("stunnel.conf");
        Files.writeString(conf, String.join("\n", "foreground = yes", "pid =",
                "output = " + dir.resolve("stunnel.log"),
                "cert = " + certificates.certificate(), "key = " + certificates.privateKey(),
                "[dns]", "accept = 127.0.0.1:" + port, "connect = 127.0.0.1:" + plainPort, ""));
        return DaemonProcess.start("stunnel4", List.of(binary.toString(), conf.toString()), dir,
                dir.resolve("stunnel.log"), port);
    }

    /** Sends {@code signal} (STOP, CONT) to this unbound, found by its config file's path. */
    void signal(String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pkill", "-" + signal, "-f", config.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("pkill -" + signal + " found no unbound running " + config);
        }
    }

    InetSocketAddress plain() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), plainPort);
    }

    String log() {
        return process.logForMessage();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
