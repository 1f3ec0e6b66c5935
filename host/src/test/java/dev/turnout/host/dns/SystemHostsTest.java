package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mihomo's {@code dns.use-system-hosts}: the hosts file after the config's {@code hosts:}, read again when it changes. */
class SystemHostsTest {

    @TempDir
    Path dir;

    private static InetAddress ip(String literal) {
        return IpLiteral.parse(literal);
    }

    @Test
    void aHostsFileGivesEachNameEveryAddressItsLinesGiveInOrder() throws Exception {
        Path file = dir.resolve("hosts");
        Files.writeString(file, String.join("\n", "# comment", "127.0.0.1\tlocalhost", "::1 localhost ip6-localhost",
                "192.0.2.10 NAS.Home.Example. nas  # the NAS", "192.0.2.11 nas", "fe80::1%eth0 linklocal",
                "not-an-ip broken", "0.0.0.0 ads.example tracker.example", "203.0.113.1", ""));
        SystemHosts hosts = new SystemHosts(file);
        assertEquals(List.of(ip("127.0.0.1"), ip("::1")), hosts.entry("localhost").all());
        assertEquals(List.of(ip("::1")), hosts.entry("localhost").v6());
        assertEquals(List.of(ip("192.0.2.10")), hosts.entry("nas.home.example").all(), "lower case, no root dot");
        assertEquals(List.of(ip("192.0.2.10"), ip("192.0.2.11")), hosts.entry("nas").v4());
        assertNull(hosts.entry("linklocal"), "a zone id is not an address Turnout answers with");
        assertNull(hosts.entry("broken"));
        assertSame(hosts.entry("ads.example"), hosts.entry("tracker.example"), "one entry for the same addresses");
        assertNull(hosts.entry("elsewhere.example"));
    }

    @Test
    void theConfigsHostsComeFirstAndAnEditedFileIsReadAgain() throws Exception {
        Path file = dir.resolve("hosts");
        Files.writeString(file, "192.0.2.1 both.example file.example\n");
        SystemHosts system = new SystemHosts(file, 0);
        HostsTable table = new HostsTable(Map.of("both.example", List.of(ip("198.51.100.1"))), system);
        assertEquals(List.of(ip("198.51.100.1")), table.lookup("both.example"), "hosts: wins");
        assertEquals(List.of(ip("192.0.2.1")), table.lookup("FILE.example."));

        Files.writeString(file, "192.0.2.2 file.example\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        assertEquals(List.of(ip("192.0.2.2")), table.lookup("file.example"));
        Files.delete(file);
        assertEquals(List.of(), table.lookup("file.example"), "gone with the file");
        assertEquals(List.of(), new HostsTable(Map.of(), null).lookup("file.example"));
    }
}
