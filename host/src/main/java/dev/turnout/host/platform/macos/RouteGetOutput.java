package dev.turnout.host.platform.macos;

import java.util.Optional;

/**
 * Reads the interface out of {@code route -n get default} (or {@code route -n get -inet6 default}), which
 * prints one {@code key: value} a line:
 * <pre>
 *    route to: default
 * destination: default
 *        mask: default
 *     gateway: 192.168.1.1
 *   interface: en0
 *       flags: &lt;UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL&gt;
 * </pre>
 * When there is no default route, {@code route} prints {@code not in table} and no {@code interface:} line.
 */
final class RouteGetOutput {

    private RouteGetOutput() {
    }

    /** The {@code interface:} value, or empty when the output names none. */
    static Optional<String> interfaceName(String output) {
        for (String line : output.split("\\R")) {
            String l = line.strip();
            if (l.startsWith("interface:")) {
                String name = l.substring("interface:".length()).strip();
                // Interface names are short and plain (en0, utun3, bridge100); anything else is not one.
                if (name.matches("[A-Za-z][A-Za-z0-9_.-]{0,14}")) {
                    return Optional.of(name);
                }
            }
        }
        return Optional.empty();
    }
}
