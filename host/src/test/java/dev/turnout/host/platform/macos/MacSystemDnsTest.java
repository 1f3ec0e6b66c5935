package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.platform.SystemDnsCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** networksetup's command lines and the records that undo them, with networksetup's output as macOS prints it. */
class MacSystemDnsTest {

    private static final String LIST = """
            An asterisk (*) denotes that a network service is disabled.
            USB 10/100/1000 LAN
            Wi-Fi
            *Thunderbolt Bridge
            """;

    private final List<String> ran = new ArrayList<>();

    private SystemCommand.Runner answering(Map<String, String> outputs) {
        return cmd -> {
            String line = String.join(" ", cmd);
            ran.add(line);
            String out = outputs.get(line);
            return new SystemCommand.Result(out == null && line.contains("-getdnsservers") ? 1 : 0, out == null ? "" : out);
        };
    }

    @Test
    void everyEnabledServiceGetsTheTunsPeerAndTheOldServersAreRecordedFirst(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("routes.state");
        MacSystemDns dns = new MacSystemDns(answering(Map.of(
                "/usr/sbin/networksetup -listallnetworkservices", LIST,
                "/usr/sbin/networksetup -getdnsservers USB 10/100/1000 LAN", "There aren't any DNS Servers set on USB 10/100/1000 LAN.",
                "/usr/sbin/networksetup -getdnsservers Wi-Fi", "192.0.2.53\n2001:db8::53")), "/usr/sbin/networksetup");

        SystemDnsCapture c = dns.capture(InetAddress.getByName("198.18.0.2"), new RouteState("macos", "utun4", List.of(), file));

        assertEquals(List.of(
                "/usr/sbin/networksetup -listallnetworkservices",
                "/usr/sbin/networksetup -getdnsservers USB 10/100/1000 LAN",
                "/usr/sbin/networksetup -setdnsservers USB 10/100/1000 LAN 198.18.0.2",
                "/usr/sbin/networksetup -getdnsservers Wi-Fi",
                "/usr/sbin/networksetup -setdnsservers Wi-Fi 198.18.0.2"), ran.subList(0, 5), "the disabled Thunderbolt Bridge is left alone");
        assertTrue(ran.get(5).endsWith("dscacheutil -flushcache"), "the resolver cache flushed: " + ran);
        List<String> recorded = List.of("networksetup\tUSB 10/100/1000 LAN\tEmpty", "networksetup\tWi-Fi\t192.0.2.53 2001:db8::53");
        assertEquals(recorded, c.state().dns());
        assertEquals(recorded, RouteState.load(file).dns(), "saved for turnout cleanup");

        ran.clear();
        List<String> undone = dns.restore(RouteState.load(file));
        assertEquals(List.of("/usr/sbin/networksetup -setdnsservers USB 10/100/1000 LAN Empty",
                "/usr/sbin/networksetup -setdnsservers Wi-Fi 192.0.2.53 2001:db8::53"), ran.subList(0, 2));
        assertEquals(2, undone.size());
        assertTrue(undone.get(0).contains("back to Empty"), undone.toString());
    }

    @Test
    void parsesNetworksetupsOutput() {
        assertEquals(List.of("USB 10/100/1000 LAN", "Wi-Fi"), MacSystemDns.enabledServices(LIST));
        assertEquals(List.of(), MacSystemDns.servers("There aren't any DNS Servers set on Wi-Fi."));
        assertEquals(List.of("1.1.1.1", "fe80::1"), MacSystemDns.servers("1.1.1.1\nfe80::1\n"));
    }

    @Test
    void aFailingNetworksetupIsAnErrorAndAnUnknownRecordIsRefused() {
        MacSystemDns dns = new MacSystemDns(answering(Map.of()), "/usr/sbin/networksetup");
        RouteState bad = new RouteState("macos", "utun4", List.of(), null).withDns("scutil something");
        assertThrows(IOException.class, () -> dns.restore(bad));
        MacSystemDns failing = new MacSystemDns(cmd -> new SystemCommand.Result(4, "** Error: The parameters were not valid."),
                "/usr/sbin/networksetup");
        assertThrows(IOException.class, () -> failing.capture(InetAddress.getLoopbackAddress(),
                new RouteState("macos", "utun4", List.of(), null)));
    }
}
