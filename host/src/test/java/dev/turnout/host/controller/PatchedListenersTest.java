package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a dashboard's {@code PATCH /configs} may change of the proxy ports, and what it is told otherwise. */
class PatchedListenersTest {

    private static Config parse(String yaml) throws Exception {
        return ConfigLoader.parse(yaml.replace("|", "\n"), "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    @Test
    void allowLanUsesTheBindAddressAsWrittenAndPortsMove() throws Exception {
        Config running = parse("mixed-port: 7890|bind-address: 192.0.2.7");
        assertEquals("127.0.0.1", running.bindAddress(), "allow-lan is off");
        Config lan = PatchedListeners.apply(running, Map.of("allow-lan", true, "socks-port", 7891));
        assertEquals("192.0.2.7", lan.bindAddress());
        assertEquals(7891, lan.socksPort());
        assertEquals(7890, lan.mixedPort());
        Config everywhere = PatchedListeners.apply(lan, Map.of("bind-address", "*", "mixed-port", 0));
        assertEquals("0.0.0.0", everywhere.bindAddress());
        assertEquals(0, everywhere.mixedPort());
        assertEquals("socks-port 7891 on every address (IPv4 and IPv6)", everywhere.listening());
    }

    @Test
    void valuesThatChangeNothingGiveTheRunningConfigBack() throws Exception {
        Config running = parse("mixed-port: 7890");
        assertSame(running, PatchedListeners.apply(running, Map.of("mixed-port", 7890, "allow-lan", false, "mode", "rule")));
    }

    @Test
    void whatIsNotAPortOrAnAddressIsRefused() throws Exception {
        Config running = parse("mixed-port: 7890");
        for (Map<String, Object> bad : new Map[] {Map.of("mixed-port", 70000), Map.of("port", -1),
                Map.of("socks-port", 1.5), Map.of("mixed-port", "7891"), Map.of("allow-lan", "yes"),
                Map.of("bind-address", "lan.example")}) {
            assertThrows(IllegalArgumentException.class, () -> PatchedListeners.apply(running, bad), bad.toString());
        }
    }

    @Test
    void keysTurnoutDoesNotChangeAreRefusedByNameUnlessSentBackAsRead() throws Exception {
        Map<String, Object> view = ClashViews.configs(parse("mixed-port: 7890"), "rule", "info");
        PatchedListeners.refuseTheRest(Map.of("ipv6", false, "redir-port", 0, "tproxy-port", 0.0, "mode", "global"), view);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PatchedListeners.refuseTheRest(
                Map.of("tun", Map.of("enable", true)), view));
        assertEquals("Turnout changes mode, log-level, allow-lan, bind-address, mixed-port, socks-port and port while "
                + "running, not tun: edit the config and restart Turnout (POST /restart)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PatchedListeners.refuseTheRest(Map.of("ipv6", true), view));
        assertThrows(IllegalArgumentException.class, () -> PatchedListeners.refuseTheRest(Map.of("redir-port", 7892), view));
    }
}
