package dev.turnout.host.platform.linux;

import dev.turnout.host.platform.SystemCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs iproute2's {@code ip}. Turnout configures its TUN and routes with it rather than with ioctls and
 * rtnetlink through JNA: it is a handful of calls at start and stop only, {@code ip} handles IPv4 and IPv6
 * addresses and routes the same way (IPv6 addresses need {@code in6_ifreq} on an AF_INET6 socket, routes need
 * hand-built netlink messages), its errors are readable, and a user can run the very same command to check or
 * undo what Turnout did. It is present wherever a TUN device is ({@code iproute2} is a base package).
 */
final class IpCommand {

    private IpCommand() {
    }

    /** Runs {@code ip} with {@code args}. */
    static SystemCommand.Result run(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(args.size() + 1);
        cmd.add(SystemCommand.locate("ip", "/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        cmd.addAll(args);
        return SystemCommand.run(cmd);
    }

    /** Runs and throws with the command's own message when it fails. */
    static String check(List<String> args) throws IOException {
        SystemCommand.Result r = run(args);
        if (!r.ok()) {
            throw new IOException("ip " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }
}
