package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** hosts: as mihomo reads it: addresses, or one other name, followed to addresses where hosts: has them. */
class WrittenHostsTest {

    private final List<String> problems = new ArrayList<>();

    private WrittenHosts read(String... pairs) {
        Map<String, List<String>> written = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            written.put(pairs[i], List.of(pairs[i + 1].split(" ")));
        }
        return WrittenHosts.read(written, p -> problems.add(p.getMessage()));
    }

    private static List<InetAddress> ips(String... literals) throws Exception {
        List<InetAddress> out = new ArrayList<>();
        for (String l : literals) {
            out.add(InetAddress.getByName(l));
        }
        return out;
    }

    @Test
    void aNameWithNoAddressesHereOnlyChangesTheDnssAnswer() {
        WrittenHosts h = read("google.cn", "google.com", "+.ads.test", ".Example.Test.");
        assertEquals(Map.of("google.cn", "google.com", "+.ads.test", "example.test"), h.aliases());
        assertEquals(Map.of(), h.addresses(), "the rules and the lookups see these names as unlisted, as in mihomo");
        assertEquals(List.of(), problems);
    }

    @Test
    void aChainOfNamesEndingAtAddressesIsThoseAddressesForEveryone() throws Exception {
        WrittenHosts h = read("a.test", "b.test", "b.test", "c.other.test", "+.other.test", "192.0.2.7 2001:db8::7");
        assertEquals(ips("192.0.2.7", "2001:db8::7"), h.addresses().get("a.test"));
        assertEquals(ips("192.0.2.7", "2001:db8::7"), h.addresses().get("b.test"));
        assertEquals(Map.of(), h.aliases());
        assertEquals(List.of(), problems);
    }

    @Test
    void theCloserPatternWinsBetweenAddressesAndAName() throws Exception {
        WrittenHosts h = read("x.test", "b.a.test", "+.a.test", "192.0.2.1", "b.a.test", "elsewhere.test");
        assertEquals(Map.of("x.test", "elsewhere.test", "b.a.test", "elsewhere.test"), h.aliases(),
                "b.a.test itself is written as a name, closer than +.a.test's address");
    }

    @Test
    void namesThatLeadBackToThemselvesAreRefusedAndLeftOut() {
        WrittenHosts h = read("a.test", "b.test", "b.test", "a.test", "self.test", "self.test", "+.loop.test",
                "x.loop.test", "ok.test", "192.0.2.1");
        assertEquals(List.of("hosts 'a.test': the aliases a.test -> b.test -> a.test lead back to themselves (or on"
                        + " for more than 16)",
                "hosts 'b.test': the aliases b.test -> a.test -> b.test lead back to themselves (or on for more than 16)",
                "hosts 'self.test': the aliases self.test -> self.test lead back to themselves (or on for more than 16)",
                "hosts '+.loop.test': the aliases +.loop.test -> x.loop.test -> x.loop.test lead back to themselves (or"
                        + " on for more than 16)"),
                problems);
        assertEquals(Map.of(), h.aliases());
        assertEquals(List.of("ok.test"), List.copyOf(h.addresses().keySet()));
    }

    @Test
    void valuesThatAreNeitherAreSaidSo() {
        read("a.test", "192.0.2.1 b.test", "b.test", "lan", "c.test", "single", "d.test", "*.x.test");
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("hosts 'a.test': 'b.test' is not an IP address"), problems.get(0));
        assertTrue(problems.get(1).startsWith("hosts 'b.test': 'lan'"), problems.get(1));
        assertTrue(problems.get(2).startsWith("hosts 'c.test': 'single' is neither an IP address nor a domain name"),
                problems.get(2));
        assertTrue(problems.get(3).startsWith("hosts 'd.test': '*.x.test' is neither"), problems.get(3));
    }
}
