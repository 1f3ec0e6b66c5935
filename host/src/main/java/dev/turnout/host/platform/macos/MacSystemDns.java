package dev.turnout.host.platform.macos;

import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.platform.SystemDnsCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Points macOS's DNS at the TUN the way ClashX does: every enabled network service (Wi-Fi, Ethernet, ...) gets the
 * TUN's peer address as its only DNS server ({@code networksetup -setdnsservers}), which the utun routes into the
 * TUN where dns-hijack answers. {@code networksetup} rather than {@code scutil}: it is what a user types to check or
 * undo it, it writes the services' own settings (which survive a Wi-Fi reconnect) and it takes "Empty" to go back
 * to the servers DHCP gives. Before each change the old servers are recorded in the state file
 * ({@code networksetup<TAB>SERVICE<TAB>OLD...}, "Empty" for none), so exit and {@code turnout cleanup} put them back,
 * also after a crash or power loss (these settings are persistent on macOS, unlike routes).
 */
final class MacSystemDns {

    static final String RECORD = "networksetup";
    static final String EMPTY = "Empty";

    private final SystemCommand.Runner commands;
    private final String networksetup;

    MacSystemDns(SystemCommand.Runner commands, String networksetup) {
        this.commands = commands;
        this.networksetup = networksetup;
    }

    static MacSystemDns system() {
        return new MacSystemDns(SystemCommand.SYSTEM, SystemCommand.locate("networksetup", "/usr/sbin"));
    }

    /**
     * The enabled services from {@code -listallnetworkservices}: its first line is a note ("An asterisk (*) denotes
     * that a network service is disabled."), a disabled service starts with {@code *}.
     */
    static List<String> enabledServices(String output) {
        List<String> out = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("*") || l.startsWith("An asterisk")) {
                continue;
            }
            out.add(l);
        }
        return out;
    }

    /** The servers from {@code -getdnsservers}: one address a line, or a sentence when there are none. */
    static List<String> servers(String output) {
        List<String> out = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String l = line.strip();
            if (l.matches("[0-9A-Fa-f:.]+") && (l.contains(".") || l.contains(":"))) {
                out.add(l);
            }
        }
        return out;
    }

    SystemDnsCapture capture(InetAddress server, RouteState state) throws IOException {
        List<String> report = new ArrayList<>();
        SystemCommand.Result list = check(List.of(networksetup, "-listallnetworkservices"));
        String address = server.getHostAddress();
        for (String service : enabledServices(list.output())) {
            if (service.indexOf('\t') >= 0) {
                report.add("service '" + service + "' has a tab in its name: left alone");
                continue;
            }
            List<String> old = servers(check(List.of(networksetup, "-getdnsservers", service)).output());
            if (old.equals(List.of(address))) {
                report.add(service + ": already " + address + " (a previous run's, not recorded again)");
                continue;
            }
            state = state.withDns(RECORD + "\t" + service + "\t" + (old.isEmpty() ? EMPTY : String.join(" ", old)));
            state.save();
            check(List.of(networksetup, "-setdnsservers", service, address));
            report.add("networksetup: " + service + " DNS " + address + " (was " + (old.isEmpty() ? "from DHCP" : String.join(", ", old)) + ")");
        }
        flushCache();
        return new SystemDnsCapture(state, report);
    }

    List<String> restore(RouteState state) throws IOException {
        List<String> done = new ArrayList<>();
        for (String change : state.dns()) {
            String[] parts = change.split("\t", -1);
            if (parts.length != 3 || !RECORD.equals(parts[0]) || parts[1].isEmpty() || parts[2].isBlank()) {
                throw new IOException("unknown DNS change recorded: " + change);
            }
            List<String> cmd = new ArrayList<>(List.of(networksetup, "-setdnsservers", parts[1]));
            cmd.addAll(Arrays.asList(parts[2].trim().split("\\s+")));
            check(cmd);
            done.add("networksetup: " + parts[1] + " DNS back to " + parts[2]);
        }
        if (!done.isEmpty()) {
            flushCache();
        }
        return done;
    }

    /** Answers cached before the change would bypass the TUN (or, after it, point at fake addresses) for a while. */
    private void flushCache() throws IOException {
        commands.run(List.of(SystemCommand.locate("dscacheutil", "/usr/bin"), "-flushcache"));
    }

    private SystemCommand.Result check(List<String> cmd) throws IOException {
        SystemCommand.Result r = commands.run(cmd);
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output());
        }
        return r;
    }
}
