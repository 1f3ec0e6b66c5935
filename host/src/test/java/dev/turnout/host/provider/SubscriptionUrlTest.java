package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SubscriptionUrlTest {

    @Test
    void onlySchemeHostAndPortAreWrittenOut() {
        assertEquals("https://sub.example.com/…", SubscriptionUrl.redacted("https://sub.example.com/api/v1/client/"
                + "subscribe?token=0123456789abcdef"));
        assertEquals("http://192.0.2.7:3001/…", SubscriptionUrl.redacted("http://192.0.2.7:3001/s3cr3t/download/all"));
        assertEquals("https://sub.example.com/…", SubscriptionUrl.redacted("https://sub.example.com/?t=1"));
        assertEquals("https://sub.example.com/", SubscriptionUrl.redacted("https://sub.example.com/"));
        assertEquals("(a URL that does not read)", SubscriptionUrl.redacted("https://exa mple.com/t"));
    }
}
