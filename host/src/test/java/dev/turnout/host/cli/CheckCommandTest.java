package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.host.config.ConfigLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code turnout check}'s summary names the ports {@code run} opens, and where. */
class CheckCommandTest {

    @Test
    void theSummaryListsEveryProxyPortRunOpensOnceEach() throws Exception {
        // ACL4SSR's general config: a mixed port and a socks port, open to the LAN on every address.
        assertEquals("mixed-port 7890, socks-port 7891 on every address (IPv4 and IPv6)",
                inbounds("mixed-port: 7890\nsocks-port: 7891\nport: 7890\nallow-lan: true\nbind-address: '*'\n"));
        assertEquals("port 8080 on 127.0.0.1", inbounds("port: 8080\nallow-lan: false\n"), "loopback unless allow-lan");
        assertEquals("socks-port 1080 on 192.0.2.7", inbounds("socks-port: 1080\nallow-lan: true\nbind-address: 192.0.2.7\n"));
        assertEquals("no proxy port, tun: true", inbounds("tun: {enable: true}\n"));
    }

    private static String inbounds(String yaml) throws Exception {
        return CheckCommand.inbounds(ConfigLoader.parse(yaml, "t.yaml", Path.of("t.yaml"), Path.of("/base")));
    }
}
