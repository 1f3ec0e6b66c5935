package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.Destination;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Expected values are Go's publicsuffix.EffectiveTLDPlusOne's, which mihomo's load-balance keys on. */
class SiteKeyTest {

    @Test
    void namesUnderOneRegistrableDomainShareIt() {
        assertEquals("google.com", SiteKey.registrableDomain("www.google.com"));
        assertEquals("google.com", SiteKey.registrableDomain("accounts.google.com"));
        assertEquals("google.com", SiteKey.registrableDomain("google.com"));
        assertEquals("bbc.co.uk", SiteKey.registrableDomain("news.bbc.co.uk"));
        assertEquals("example.com", SiteKey.registrableDomain("WWW.Example.COM"));
    }

    @Test
    void privateSuffixesCountAsGoCountsThem() {
        assertEquals("alice.github.io", SiteKey.registrableDomain("alice.github.io"));
        assertEquals("bob.github.io", SiteKey.registrableDomain("www.bob.github.io"));
        assertEquals("bucket.s3.amazonaws.com", SiteKey.registrableDomain("bucket.s3.amazonaws.com"));
    }

    @Test
    void wildcardAndExceptionRulesApply() {
        // *.kawasaki.jp with !city.kawasaki.jp; *.ck with !www.ck
        assertEquals("a.b.kawasaki.jp", SiteKey.registrableDomain("x.a.b.kawasaki.jp"));
        assertEquals("city.kawasaki.jp", SiteKey.registrableDomain("www.city.kawasaki.jp"));
        assertEquals("www.ck", SiteKey.registrableDomain("a.www.ck"));
    }

    @Test
    void aNameOffTheListTakesItsLastTwoLabels() {
        assertEquals("y.internal", SiteKey.registrableDomain("x.y.internal"));
        assertEquals("host7.test", SiteKey.registrableDomain("host7.test"));
    }

    @Test
    void labelsGuavaRefusesStillFindTheirSite() {
        assertEquals("example.com", SiteKey.registrableDomain("_dmarc.example.com"));
        assertEquals("_x.co.uk", SiteKey.registrableDomain("_x.co.uk"));
    }

    @Test
    void aSuffixItselfOrOneLabelHasNone() {
        assertNull(SiteKey.registrableDomain("com"));
        assertNull(SiteKey.registrableDomain("co.uk"));
        assertNull(SiteKey.registrableDomain("github.io"));
        assertNull(SiteKey.registrableDomain("localhost"));
        assertNull(SiteKey.registrableDomain("a..b.com"));
    }

    @Test
    void withoutASiteTheAddressThenTheNameIsTheKey() throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.9");
        assertEquals("192.0.2.9", SiteKey.of(Destination.ofAddress(a, 443)));
        assertEquals("192.0.2.9", SiteKey.of(new Destination("localhost", a, 443)));
        assertEquals("localhost", SiteKey.of(Destination.ofHost("localhost", 443)));
        assertEquals("google.com", SiteKey.of(new Destination("maps.google.com", a, 443)));
    }
}
