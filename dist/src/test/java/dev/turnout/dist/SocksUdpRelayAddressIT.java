package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A SOCKS5 UDP relay on a port open to the LAN (bind-address "*") answers from the address the client reached it
 * on, which a client whose UDP socket is connected there needs: the machine here has two addresses, the client one
 * of its own, and the kernel would pick the client's for the answers' source.
 */
class SocksUdpRelayAddressIT {

    static final int MIXED = 7890;
    static final int ECHO = 5300;

    @Test
    void aClientWhoseUdpSocketIsConnectedToTheRelayGetsItsAnswers() throws Exception {
        Netns.assumeUsable();
        Path dist = Path.of(System.getProperty("turnout.dist"));
        Path dir = ScratchDir.create("tudpaddr");
        Netns ns = Netns.create("tudpaddr");
        try {
            ns.address("lo", "192.0.2.1/32");
            ns.address("lo", "192.0.2.10/32");
            ns.spawn(dir.resolve("echo.log"), Daemons.peer("udp-echo", Integer.toString(ECHO)));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, String.join("\n", "mixed-port: " + MIXED, "allow-lan: true",
                    "bind-address: '*'", "rules:", "  - MATCH,DIRECT", ""));
            ns.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString());
            ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
            ns.awaitUdpPort(ECHO, Duration.ofSeconds(20));
            Netns.Result r = ns.run(Duration.ofSeconds(30), Daemons.peer("socks5-udp-connected", "192.0.2.10",
                    "192.0.2.1", Integer.toString(MIXED), "127.0.0.1", Integer.toString(ECHO), "relayed"));
            assertEquals("echo: relayed", r.stdout().strip(), r::stderr);
            assertEquals(0, r.exitCode());
        } finally {
            ns.close();
            ScratchDir.delete(dir);
        }
    }
}
