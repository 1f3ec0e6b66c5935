package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.WebBehindRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's QUIC sniffer ({@code sniff: {QUIC: {ports: [443]}}}), which Clash Verge Rev's and mihomo's documented
 * profiles turn on: a browser that resolved a name itself (its own DNS over HTTPS; here Chromium's
 * {@code --host-resolver-rules}) opens HTTP/3 to an address, and only its QUIC Initial packets carry the name. Before,
 * Turnout said "QUIC is not sniffed" and such flows were routed by their address. Here real Chromium sends its
 * Initials through the TUN: its ClientHello, with a post-quantum key share, spans two of them.
 */
class QuicSniffIT {

    static final String CLIENT = WebBehindRouter.CLIENT;
    static final String REMOTE = WebBehindRouter.REMOTE;

    @RegisterExtension
    final WebBehindRouter net = new WebBehindRouter("tquic", "chromium");

    @Test
    void aBrowsersQuicFlowIsRoutedByTheNameInItsClientHello() throws Exception {
        Netns client = net.client();
        Netns server = net.server();
        Path dir = net.dir();
        Path received = dir.resolve("udp443.log");
        Path receivedBlocked = dir.resolve("udp8443.log");
        server.spawn(dir.resolve("udp-log.out"), Daemons.peer("udp-log", REMOTE, "443", received.toString()));
        server.spawn(dir.resolve("udp-log2.out"), Daemons.peer("udp-log", REMOTE, "8443",
                receivedBlocked.toString()));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "log-level: info", "mixed-port: 7890", "tun:", "  enable: true",
                "  device: tquic0", "  auto-route: true", "  auto-detect-interface: true", "  dns-hijack: []",
                "  state-file: " + dir.resolve("routes.state"),
                "sniffer: {enable: true, sniff: {QUIC: {ports: [443, 8443]}}}", "rules:",
                "  - DOMAIN,quic.example.test,DIRECT", "  - DOMAIN,blocked.example.test,REJECT",
                "  - AND,((NETWORK,UDP),(DST-PORT,443)),REJECT", "  - MATCH,DIRECT", ""));
        try (Launched turnout = Launched.start(client, config, dir.resolve("turnout.log"), 7890)) {
            chromium(client, dir, "quic.example.test", 443);
            assertTrue(turnout.log().matches("(?s).*\\[UDP\\] [0-9.]+:\\d+ --> quic\\.example\\.test:443 match "
                    + "DOMAIN,quic\\.example\\.test using DIRECT.*"), turnout::log);
            // What was held while the sniffer read, and what followed, reached the server: the Initials,
            // long-header QUIC v1 packets (Chromium pads each to 1,250 bytes).
            List<String> lines = Files.exists(received) ? Files.readAllLines(received) : List.of();
            assertTrue(lines.size() >= 2, () -> "datagrams at the server: " + lines + turnout.log());
            assertTrue(lines.stream().allMatch(l -> l.matches("/" + CLIENT.replace(".", "\\.") + ":\\d+ \\d+ c.00000001.*")),
                    lines::toString);

            // A name under a REJECT rule: its datagrams go nowhere, and the flow is routed once, not per datagram.
            chromium(client, dir, "blocked.example.test", 8443);
            assertTrue(turnout.log().contains("--> blocked.example.test:8443 match DOMAIN,blocked.example.test using "
                    + "REJECT"), turnout::log);
            assertTrue(!Files.exists(receivedBlocked) || Files.readAllLines(receivedBlocked).isEmpty(),
                    "nothing reached the server on 8443");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "\\[UDP\\] [0-9.]+:(\\d+) --> blocked\\.example\\.test:8443 ").matcher(turnout.log());
            List<String> flows = new java.util.ArrayList<>();
            while (m.find()) {
                flows.add(m.group(1));
            }
            assertTrue(!flows.isEmpty() && flows.size() == new java.util.HashSet<>(flows).size(),
                    "one line per flow (source port): " + flows);
        }
    }

    /** Opens https://NAME:PORT/ over HTTP/3 only, the name mapped to the server's address by Chromium itself. */
    private static void chromium(Netns client, Path dir, String name, int port) throws Exception {
        // No answer ever comes: Chromium gives up (ERR_QUIC_PROTOCOL_ERROR, or the timeout); only its Initials count.
        client.run(Duration.ofSeconds(40), "env", "HOME=" + dir, "timeout", "15", "chromium", "--headless",
                "--no-sandbox", "--user-data-dir=" + dir.resolve("profile-" + name), "--origin-to-force-quic-on="
                        + name + ":" + port, "--host-resolver-rules=MAP " + name + " " + REMOTE, "--dump-dom",
                "https://" + name + ":" + port + "/");
    }
}
