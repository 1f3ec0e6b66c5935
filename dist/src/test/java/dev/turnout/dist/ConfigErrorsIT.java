package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dns.DnsOutboundType;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.route.RoutingCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Broken configs, each with the exact message a user gets from {@code turnout check} and {@code turnout run}:
 * file, line and column, and what was expected. The plugins are the packaged ones, so "available types"
 * lists what really loaded.
 */
class ConfigErrorsIT {

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    static PluginHost plugins;
    static SystemResolver resolver;

    @BeforeAll
    static void loadPlugins() {
        plugins = PluginHost.load(Path.of(System.getProperty("turnout.dist"), "plugins"));
        resolver = new SystemResolver(Map.of());
    }

    @AfterAll
    static void close() {
        plugins.close();
        resolver.close();
    }

    static String errorOf(String yaml, Path dir) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, yaml.replace("|", "\n"));
        ConfigException e = assertThrows(ConfigException.class, () -> {
            Config c = ConfigLoader.load(file, dir);
            new RoutingCompiler(new OutboundFactory(DnsOutboundType.beside(plugins.outboundTypes(), null),
                    new HostDialer(() -> SocketBinder.NONE, resolver, 1000), resolver)).compile(c, dev.turnout.host.files.Downloads.NONE);
        });
        return e.getMessage().replace(file.toString(), "c.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " ~ ", value = {
        "yaml syntax ~ mixed-port: 7890|rules: [a, b ~ c.yaml:2:13: invalid YAML: expected ',' or ']', but got <stream end>",
        "port not a number ~ mixed-port: seventy ~ c.yaml:1:13: 'mixed-port' must be a whole number, got 'seventy'",
        "port out of range ~ mixed-port: 70000 ~ c.yaml:1:13: 'mixed-port' must be a port from 0 to 65535, got 70000",
        "proxies not a list ~ proxies: {a: 1} ~ c.yaml:1:10: expected 'proxies' (a list of outbounds), got a mapping",
        "proxy without type ~ proxies:|  - {name: a, server: x, port: 1} ~ c.yaml:2:5: missing 'type'",
        "unknown type ~ proxies:|  - {name: a, type: hystria2, server: x, port: 1} ~ c.yaml:2:21: unknown outbound type 'hystria2' for 'a'; available types: direct, dns, http, reject, reject-drop, socks5, ss, ssh, trojan, vless, vmess",
        "socks5 without server ~ proxies:|  - {name: a, type: socks5, port: 1} ~ c.yaml:2:5: 'server' is required for type socks5",
        "socks5 bad port ~ proxies:|  - {name: a, type: socks5, server: x, port: 99999} ~ c.yaml:2:46: 'port' must be a port from 1 to 65535, got 99999",
        "duplicate names ~ proxies:|  - {name: a, type: reject}|  - {name: a, type: reject} ~ c.yaml:3:12: the name 'a' is used twice",
        "bad group type ~ proxy-groups:|  - {name: g, type: smart, proxies: [DIRECT]} ~ c.yaml:2:21: group 'g': unknown group type 'smart'; expected one of select, url-test, fallback, load-balance, relay (smart is a mihomo fork's; mihomo itself refuses it too)",
        "group names unknown member ~ proxy-groups:|  - {name: g, type: select, proxies: [nope]} ~ c.yaml:2:5: group 'g' names 'nope', which is neither an outbound nor a group",
        "duplicate key ~ mixed-port: 1|mixed-port: 2 ~ c.yaml:2:1: duplicate key 'mixed-port' (first written at line 1)",
        "bad log level ~ log-level: loud ~ c.yaml:1:12: 'log-level' must be debug, info, warning, error or silent, got 'loud'",
        "duplicate provider ~ rule-providers:|  p: {type: file, behavior: domain, path: a}|  p: {type: file, behavior: domain, path: b} ~ c.yaml:3:3: duplicate key 'p' (first written at line 2)",
    })
    void brokenConfigNamesFileLineAndColumn(String name, String yaml, String expected) throws Exception {
        assertEquals(expected.replace("DIR", dir.toString()), errorOf(yaml, dir));
    }
}
