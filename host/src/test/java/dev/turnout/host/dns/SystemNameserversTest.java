package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemNameserversTest {

    @TempDir
    Path dir;

    private static Nameserver udp(String address) {
        return new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress(address, 53));
    }

    @Test
    void readsTheFirstFileThereIsAndLeavesTurnoutsOwnAddressesOut() throws Exception {
        Path resolved = dir.resolve("resolved.conf");
        Path resolvConf = dir.resolve("resolv.conf");
        Files.writeString(resolvConf, "nameserver 127.0.0.53\noptions edns0\n");
        Cidr fake = Cidr.parse("198.18.0.1/16");
        SystemNameservers system = new SystemNameservers(List.of(resolved, resolvConf), fake::contains);
        assertEquals(List.of(udp("127.0.0.53")), system.current(), "the stub, where resolved's list is missing");

        Thread.sleep(1_100); // it looks at the files once a second at most
        Files.writeString(resolved, "# resolved's upstreams\nnameserver 192.0.2.53\nnameserver 198.18.0.2\n"
                + "nameserver 2001:db8::53\nnameserver fe80::1%eth0\nsearch lan\n");
        assertEquals(List.of(udp("192.0.2.53"), udp("2001:db8::53")), system.current(),
                "resolved's upstreams; the TUN's own DNS address and a scoped address left out");
    }

    @Test
    void followsTheFileWhenItChanges() throws Exception {
        Path file = dir.resolve("resolv.conf");
        Files.writeString(file, "nameserver 192.0.2.1\n");
        SystemNameservers system = new SystemNameservers(List.of(file), a -> false);
        assertEquals(List.of(udp("192.0.2.1")), system.current());
        Files.writeString(file, "nameserver 198.51.100.1\nnameserver 203.0.113.1\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertEquals(List.of(udp("192.0.2.1")), system.current(), "not looked at again within a second");
        Thread.sleep(1_100);
        assertEquals(List.of(udp("198.51.100.1"), udp("203.0.113.1")), system.current(), "a new network's servers");
        Files.delete(file);
        Thread.sleep(1_100);
        assertEquals(List.of(), system.current(), "none while the file is gone");
    }

    @Test
    void ownAddressesIncludeTheDnsListenerOnPort53WhereverAReloadMovesIt() {
        DnsOptions options = new DnsOptions(true, DnsOptions.parseListen("127.0.0.1:53"), EnhancedMode.FAKE_IP, null,
                null, null, null, null, null, false, null);
        var listen = new java.util.concurrent.atomic.AtomicReference<>(options.listen());
        var ranges = new java.util.concurrent.atomic.AtomicReference<>(List.of(options.fakeIpRange()));
        var own = DnsService.ownAddress(ranges::get, List.of(Cidr.parse("10.0.0.0/30")), listen::get);
        assertEquals(true, own.test(ip("127.0.0.1")));
        assertEquals(true, own.test(ip("198.18.0.2")));
        assertEquals(true, own.test(ip("10.0.0.1")));
        assertEquals(false, own.test(ip("127.0.0.53")));
        assertEquals(false, own.test(ip("192.0.2.53")));
        listen.set(DnsOptions.parseListen("127.0.0.53:53"));
        assertEquals(false, own.test(ip("127.0.0.1")), "the listener moved away from it");
        assertEquals(true, own.test(ip("127.0.0.53")));
        listen.set(DnsOptions.parseListen("127.0.0.53:1053"));
        assertEquals(false, own.test(ip("127.0.0.53")), "not port 53: a system nameserver there is another program");
        ranges.set(List.of(Cidr.parse("28.0.0.1/8")));
        assertEquals(true, own.test(ip("28.0.0.9")), "the range of pools a reload made");
        assertEquals(false, own.test(ip("198.18.0.9")));
    }

    private static InetAddress ip(String s) {
        return IpLiteral.parse(s);
    }
}
