package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.controller.Controller;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.WrittenHosts;
import dev.turnout.host.sniff.SniffOptions;
import dev.turnout.host.tun.TunOptions;
import dev.turnout.rules.Origin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code run} reads from a config besides its routing: the TUN, DNS, {@code hosts:} and the controller (and
 * whether {@code bind-address} is an address). {@code check} reads it through here too, so that it refuses exactly what {@code run}
 * refuses; each part is read even when another failed, and every failure is reported at once.
 *
 * @param tun {@code null} when the TUN is off
 * @param dns {@code null} when Turnout's DNS is off
 * @param controller {@code null} when no {@code external-controller} is set
 * @param externalUi {@code null} when none is set
 * @param sniffer {@code null} when the sniffer is off
 */
public record Settings(TunOptions tun, DnsOptions dns, Map<String, List<InetAddress>> hosts,
                       InetSocketAddress controller, Path externalUi, SniffOptions sniffer) {

    /** A part of the settings, read on its own. */
    @FunctionalInterface
    private interface Part<T> {
        T read() throws ConfigException;
    }

    public static Settings of(Config config) throws ConfigException {
        List<ConfigException> errors = new ArrayList<>();
        TunOptions tun = attempt(() -> TunSettings.from(config), errors);
        DnsOptions dns = attempt(() -> DnsSettings.from(config), errors);
        SniffOptions sniffer = attempt(() -> SnifferSettings.from(config), errors);
        // Checked here with the rest, so that a bad one is listed beside them; the proxy ports resolve it as they open.
        attempt(() -> bindAddress(config), errors);
        Map<String, List<InetAddress>> hosts = attempt(() -> hosts(config), errors);
        InetSocketAddress controller = attempt(() -> controller(config), errors);
        Path ui = attempt(() -> {
            try {
                return Controller.uiFolder(config);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.originOf("external-ui"), e.getMessage());
            }
        }, errors);
        if (!errors.isEmpty()) {
            throw ConfigException.of(errors);
        }
        return new Settings(tun, dns, hosts, controller, ui, sniffer);
    }

    private static <T> T attempt(Part<T> part, List<ConfigException> errors) {
        try {
            return part.read();
        } catch (ConfigException e) {
            errors.add(e);
            return null;
        }
    }

    /** Where the proxy ports listen: {@code bind-address} as {@code allow-lan} has it. */
    static InetAddress bindAddress(Config config) throws ConfigException {
        try {
            return InetAddress.getByName(config.bindAddress());
        } catch (UnknownHostException e) {
            throw new ConfigException(config.originOf("bind-address"),
                    "bind-address '" + config.bindAddress() + "' is not an address");
        }
    }

    private static InetSocketAddress controller(Config config) throws ConfigException {
        String listen = config.externalController();
        if (listen == null || listen.isBlank()) {
            return null;
        }
        try {
            return Controller.listen(listen, config.secret()).addresses().get(0);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.originOf("external-controller"), e.getMessage());
        }
    }

    private static Map<String, List<InetAddress>> hosts(Config config) throws ConfigException {
        Origin at = config.originOf("hosts");
        List<ConfigException> problems = new ArrayList<>();
        WrittenHosts written = WrittenHosts.read(config.hosts(), p -> problems.add(new ConfigException(at, p.getMessage())));
        if (!problems.isEmpty()) {
            throw ConfigException.of(problems);
        }
        return written.addresses();
    }
}
