package dev.turnout.host.config;

import static dev.turnout.host.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The top-level options' values: what each accepts at its bounds, and what it refuses, at the value's position. */
class TopLevelOptionsTest {

    private static String refused(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void portsRunFromZeroTo65535() throws Exception {
        Config c = parse("mixed-port: 65535\nsocks-port: 0\nport: 1\n");
        assertEquals(65535, c.mixedPort());
        assertEquals(0, c.socksPort());
        assertEquals(1, c.httpPort());
        assertEquals("t.yaml:1:13: 'mixed-port' must be a port from 0 to 65535, got 65536", refused("mixed-port: 65536\n"));
        assertEquals("t.yaml:1:13: 'socks-port' must be a port from 0 to 65535, got -1", refused("socks-port: -1\n"));
        assertEquals("t.yaml:1:7: 'port' must be a whole number, got 'http'", refused("port: http\n"));
    }

    @Test
    void absentOrNullOptionsTakeTheirDefaults() throws Exception {
        Config c = parse("mixed-port: ~\nallow-lan: null\nmode: ~\nrouting-mark: ~\nsecret: ~\n");
        assertEquals(0, c.mixedPort());
        assertFalse(c.allowLan());
        assertEquals("rule", c.mode());
        assertEquals("info", c.logLevel());
        assertEquals(0, c.routingMark());
        assertNull(c.secret());
        assertNull(c.interfaceName());
    }

    @Test
    void aSwitchIsTrueOrFalseAndNothingElse() throws Exception {
        assertTrue(parse("allow-lan: True\n").allowLan());
        assertFalse(parse("allow-lan: false\n").allowLan());
        assertEquals("t.yaml:1:12: 'allow-lan' must be true or false, got 'yes please'", refused("allow-lan: yes please\n"));
        assertEquals("t.yaml:1:12: 'allow-lan' must be true or false, got '1'", refused("allow-lan: 1\n"));
    }

    @Test
    void aWholeNumberIsAnIntegerThatFits() throws Exception {
        assertEquals(255, parse("routing-mark: 255\n").routingMark());
        assertEquals("t.yaml:1:15: 'routing-mark' must be a whole number, got '1.5'", refused("routing-mark: 1.5\n"));
        assertTrue(refused("routing-mark: 99999999999\n").startsWith("t.yaml:1:15: 'routing-mark' must be a whole number"));
    }

    @Test
    void tcpConcurrentIsReadAsAFlagAndNotNotedAsIgnored() throws Exception {
        assertTrue(parse("tcp-concurrent: true\n").tcpConcurrent());
        assertTrue(parse("tcp-concurrent: true\n").warnings().isEmpty(), "read, not ignored");
        assertFalse(parse("mixed-port: 7890\n").tcpConcurrent());
        assertTrue(refused("tcp-concurrent: sometimes\n").startsWith("t.yaml:1:17: 'tcp-concurrent' must be"));
    }

    @Test
    void aDurationIsPositiveAndAtMostNineDigits() throws Exception {
        assertEquals(Duration.ofMillis(1), parse("tcp-half-close-timeout: 1ms\n").tcpHalfCloseTimeout());
        assertEquals(Duration.ofSeconds(999_999_999), parse("tcp-half-close-timeout: 999999999\n").tcpHalfCloseTimeout());
        assertEquals(Duration.ofSeconds(3), parse("tcp-half-close-timeout: ' 3s '\n").tcpHalfCloseTimeout());
        assertTrue(refused("tcp-half-close-timeout: 0ms\n").contains("must be a positive duration"));
        assertTrue(refused("tcp-half-close-timeout: 1000000000\n").contains("must be a positive duration"));
        assertTrue(refused("tcp-half-close-timeout: 5h\n").contains("got '5h'"));
        assertTrue(refused("tcp-half-close-timeout: [5]\n").contains("must be a positive duration"));
    }

    @Test
    void aChoiceIsOneOfItsWordsInAnyCaseAndTheErrorListsThemAll() throws Exception {
        assertEquals("global", parse("mode: Global\n").mode());
        assertEquals("direct", parse("mode: DIRECT\n").mode());
        assertEquals("silent", parse("log-level: silent\n").logLevel());
        assertEquals("t.yaml:1:7: 'mode' must be rule, global or direct, got 'script'", refused("mode: script\n"));
        assertEquals("t.yaml:1:12: 'log-level' must be debug, info, warning, error or silent, got 'trace'",
                refused("log-level: trace\n"));
    }

    @Test
    void everyBadOptionIsReportedAndTheOthersAreStillRead() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("mixed-port: 70000\nallow-lan: maybe\nmode: fast\nlog-level: info\n"));
        assertTrue(e.getMessage().contains("t.yaml:1:13: 'mixed-port'"), e.getMessage());
        assertTrue(e.getMessage().contains("t.yaml:2:12: 'allow-lan'"), e.getMessage());
        assertTrue(e.getMessage().contains("t.yaml:3:7: 'mode'"), e.getMessage());
    }
}
