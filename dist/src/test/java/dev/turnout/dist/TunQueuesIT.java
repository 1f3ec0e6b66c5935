package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The multi-queue TUN, from the outside: with two or more cores the packaged Turnout reads its TUN through one
 * queue per core, each on its own thread with its own NAT table. Many flows at once must each get their own
 * data (a flow mapped through the wrong NAT entry would get another flow's file or a reset), every queue's
 * thread must have moved some of them, and a flow idle long enough for the kernel to forget which queue it was
 * on (about 3 s) must go on when it wakes, wherever its packets now arrive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TunQueuesIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    /** Reached through the client's default route, so through the TUN. */
    static final String REMOTE = "198.51.100.2";
    static final int FILES = 8080;
    static final int DRIP = 8092;
    static final int FLOWS = 16;
    static final int FILE_BYTES = 8 * 1024 * 1024;

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    Map<String, String> digests = new TreeMap<>();

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl", "python3", "sha256sum");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "one core: Turnout opens a single TUN queue");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tmq");
        Path files = Files.createDirectories(dir.resolve("files"));
        Random random = new Random(16);
        byte[] content = new byte[FILE_BYTES];
        for (int i = 0; i < FLOWS; i++) {
            random.nextBytes(content);
            Files.write(files.resolve("f" + i), content);
            digests.put("f" + i, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        }
        client = Netns.create("mqc");
        server = Netns.create("mqs");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        client.defaultRoute(SERVER);
        server.spawn(dir.resolve("files.log"), "python3", "-m", "http.server", "--bind", REMOTE, "--directory",
                files.toString(), Integer.toString(FILES));
        // Three KiB, one every 4 s: each flow sits idle longer than the kernel's TUN flow table remembers it.
        server.spawn(dir.resolve("drip.log"), Daemons.peer("drip", Integer.toString(DRIP), "3", "4000"));
        server.awaitTcpPort(FILES, Duration.ofSeconds(20));
        server.awaitTcpPort(DRIP, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: tmq0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        client.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c",
                config.toString(), "--pid-file", dir.resolve("pid").toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        client.awaitSplitRoutes("tmq0", this::log);
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    @Test
    @Order(1)
    void parallelFlowsEachGetTheirOwnDataAndEveryQueueCarriesSome() throws Exception {
        Path into = Files.createDirectories(dir.resolve("got"));
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "--max-time", "100",
                "--parallel", "--parallel-immediate", "--parallel-max", Integer.toString(FLOWS)));
        for (String name : digests.keySet()) {
            cmd.addAll(List.of("-o", into.resolve(name).toString(), "http://" + REMOTE + ":" + FILES + "/" + name));
        }
        Netns.Result r = client.run(Duration.ofSeconds(120), cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), () -> "curl: " + r.stderr() + log());
        for (Map.Entry<String, String> e : digests.entrySet()) {
            byte[] got = Files.readAllBytes(into.resolve(e.getKey()));
            assertEquals(e.getValue(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)),
                    () -> e.getKey() + ": " + got.length + " bytes, not the file sent" + log());
        }
        Map<String, Long> cpu = tunThreadTicks();
        assertTrue(cpu.size() >= 2, () -> "one TUN thread, so one queue: " + cpu + log());
        long busiest = cpu.values().stream().mapToLong(Long::longValue).max().orElse(0);
        // A queue that moved none of the 16 flows would have read a SYN or two: far under a tenth of the other's.
        assertTrue(cpu.values().stream().allMatch(t -> t * 10 >= busiest),
                () -> "a TUN queue carried (almost) nothing: CPU ticks by thread " + cpu + log());
    }

    @Test
    @Order(2)
    void flowsIdleLongerThanTheKernelRemembersGoOn() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "--max-time", "60",
                "--parallel", "--parallel-immediate", "--parallel-max", "8", "-w", "%{size_download}\\n"));
        for (int i = 0; i < 8; i++) {
            cmd.addAll(List.of("-o", "/dev/null", "http://" + REMOTE + ":" + DRIP + "/" + i));
        }
        Netns.Result r = client.run(Duration.ofSeconds(90), cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), () -> "curl: " + r.stderr() + log());
        assertEquals(List.of("3072", "3072", "3072", "3072", "3072", "3072", "3072", "3072"),
                r.stdout().lines().toList(), () -> "bytes per flow" + log());
    }

    /** CPU ticks (user + system) of each of Turnout's TUN threads, by thread id. */
    private Map<String, Long> tunThreadTicks() throws IOException {
        String pid = Files.readString(dir.resolve("pid")).trim();
        Map<String, Long> ticks = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
            for (Path task : tasks.toList()) {
                if (!Files.readString(task.resolve("comm")).startsWith("turnout-tun")) {
                    continue;
                }
                String stat = Files.readString(task.resolve("stat"));
                // After "(comm)": state is field 3, utime 14 and stime 15 of the whole line.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks.put(task.getFileName().toString(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
            }
        }
        return ticks;
    }

    private String log() {
        try {
            return "\nturnout.log:\n" + Files.readString(dir.resolve("turnout.log"));
        } catch (IOException e) {
            return "\n(no turnout.log: " + e + ")";
        }
    }
}
