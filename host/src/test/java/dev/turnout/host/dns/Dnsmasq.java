package dev.turnout.host.dns;

import dev.turnout.api.testing.Required;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real dnsmasq on 127.0.0.1 and a free port, serving fixed test records; killed on close, and killed by the
 * kernel when the JVM dies without closing it (a test JVM that PIT kills for a timed-out mutant).
 */
final class Dnsmasq implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    /**
     * Starts dnsmasq with a parent-death signal: without it, every test JVM that was killed left its dnsmasq
     * running. Optional; where it is missing, close() is the only reaper.
     */
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /**
     * The thread that starts every dnsmasq. The kernel sends the parent-death signal when the thread that
     * forked the child ends, not the process, so it must be one that lives as long as the JVM: a test thread
     * could end (a preemptive timeout's) while its dnsmasq is still in use.
     */
    private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dnsmasq-spawner");
        t.setDaemon(true);
        return t;
    });
    /** Answer for every name under example.test. */
    static final String EXAMPLE_ADDRESS = "203.0.113.5";
    /** big.records.test has this many A records: more than fit in 512 bytes. */
    static final int BIG_RECORDS = 40;

    private final Process process;
    private final Path log;
    final InetSocketAddress address;

    private Dnsmasq(Process process, Path log, InetSocketAddress address) {
        this.process = process;
        this.log = log;
        this.address = address;
    }

    /** Starts dnsmasq, skipping the test when the binary is missing; fails when it does not answer in 5 s. */
    static Dnsmasq start(String... extraArgs) throws Exception {
        Required.that(Files.isExecutable(BINARY), () -> "dnsmasq is not installed (apt-get install dnsmasq-base)");
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Path log = Files.createTempFile("dnsmasq", ".log");
            List<String> cmd = new ArrayList<>();
            if (Files.isExecutable(SETPRIV)) {
                cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL"));
            }
            cmd.addAll(List.of(BINARY.toString(), "--no-daemon", "--no-resolv",
                    "--no-hosts", "-C", "/dev/null", "--pid-file=", "--user=root", "--port=" + port,
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--log-facility=-",
                    "--address=/example.test/" + EXAMPLE_ADDRESS,
                    "--txt-record=txt.records.test,\"hello from dnsmasq\"",
                    "--mx-host=records.test,mail.records.test,10",
                    "--host-record=v6.records.test,2001:db8::53",
                    // HTTPS (type 65): priority 1, target ".", ipv4hint 192.0.2.1.
                    "--dns-rr=https.records.test,65,00010000040004c0000201",
                    "--edns-packet-max=512", "--local-ttl=60"));
            for (int i = 1; i <= BIG_RECORDS; i++) {
                cmd.add("--host-record=big.records.test,192.0.2." + i);
            }
            cmd.addAll(List.of(extraArgs));
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = SPAWNER.submit(builder::start).get();
            Dnsmasq d = new Dnsmasq(p, log, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            if (d.awaitReady()) {
                return d;
            }
            d.close();
        }
        throw new IllegalStateException("dnsmasq did not start");
    }

    private boolean awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && process.isAlive()) {
            DnsResponse r = DnsTestMessages.udpExchange(address, DnsTestMessages.query(7, "ready.example.test",
                    DnsRecordType.A), 200);
            if (r != null) {
                r.release();
                return true;
            }
        }
        return false;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    static int freePort() throws IOException {
        // Both UDP and TCP must be free on the port dnsmasq takes.
        for (int i = 0; i < 20; i++) {
            try (DatagramSocket u = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                int port = u.getLocalPort();
                try (ServerSocket t = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free port");
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
    }
}
