package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientSubnetTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "198.51.100.0/24, 198.51.100.0/24",
        "198.51.100.77/24, 198.51.100.0/24",
        "198.51.100.77/20, 198.51.96.0/20",
        "' 203.0.113.9 ', 203.0.113.9/32",
        "192.0.2.1/0, 0.0.0.0/0",
        "2001:db8::/56, 2001:db8::/56",
        "2001:DB8:abcd:12ff::1/56, 2001:db8:abcd:1200::/56",
        "2001:db8::1, 2001:db8::1/128",
    })
    void aPrefixIsKeptTruncatedToItsLengthAndALoneAddressStandsForItselfAsInMihomo(String written, String kept) {
        assertEquals(kept, ClientSubnet.parse(written).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.0/24", "2001:db8::/56"})
    void theFamilyIsThatOfTheAddress(String written) throws Exception {
        ClientSubnet s = ClientSubnet.parse(written);
        assertEquals(written.indexOf(':') < 0, s.isIpv4());
        assertEquals(InetAddress.getByName(written.substring(0, written.indexOf('/'))), s.address());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = " ~ ", value = {
        "banana ~ ecs 'banana' is not an address prefix such as 198.51.100.0/24 or 2001:db8::/56",
        "'' ~ ecs '' is not an address prefix such as 198.51.100.0/24 or 2001:db8::/56",
        "198.51.100.0/40 ~ ecs '198.51.100.0/40': prefix /40 is longer than an IPv4 address (32 bits)",
        "2001:db8::/129 ~ ecs '2001:db8::/129': prefix /129 is longer than an IPv6 address (128 bits)",
        "198.51.100.0/ ~ ecs '198.51.100.0/': '' is not a prefix length",
        "198.51.100.0/-1 ~ ecs '198.51.100.0/-1': '-1' is not a prefix length",
        "198.51.100.0/24/8 ~ ecs '198.51.100.0/24/8': '24/8' is not a prefix length",
        "198.51.100/24 ~ ecs '198.51.100/24' is not an address prefix such as 198.51.100.0/24 or 2001:db8::/56",
        "[2001:db8::]/56 ~ ecs '[2001:db8::]/56' is not an address prefix such as 198.51.100.0/24 or 2001:db8::/56",
        "dns.google/24 ~ ecs 'dns.google/24' is not an address prefix such as 198.51.100.0/24 or 2001:db8::/56",
    })
    void aMalformedPrefixIsRefusedSayingWhy(String written, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientSubnet.parse(written));
        assertEquals(why, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.0/24", "2001:db8:abcd:1200::/56"})
    void theOptRecordCarriesThePrefixAndAdvertisesTheUdpSize(String written) throws Exception {
        ClientSubnet subnet = ClientSubnet.parse(written);
        var opt = subnet.optRecord(1232);
        assertEquals(1232, opt.dnsClass(), "the OPT record's class is its UDP payload size");
        assertEquals(subnet.sourcePrefixLength(), opt.sourcePrefixLength());
        assertEquals(0, opt.scopePrefixLength(), "a query's scope is 0 (RFC 7871 section 6)");
        assertEquals(subnet.address(), InetAddress.getByAddress(opt.address()));
    }
}
