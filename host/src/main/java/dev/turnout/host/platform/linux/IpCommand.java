package dev.turnout.host.platform.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2's {@code ip}. Turnout configures its TUN and routes with it rather than with ioctls and
 * rtnetlink through JNA: it is a handful of calls at start and stop only, {@code ip} handles IPv4 and IPv6
 * addresses and routes the same way (IPv6 addresses need {@code in6_ifreq} on an AF_INET6 socket, routes need
 * hand-built netlink messages), its errors are readable, and a user can run the very same command to check or
 * undo what Turnout did. It is present wherever a TUN device is ({@code iproute2} is a base package).
 */
final class IpCommand {

    /** Result of one run. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private static final long TIMEOUT_SECONDS = 10;

    private IpCommand() {
    }

    static Result run(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(args.size() + 1);
        cmd.add(binary());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            byte[] out = in.readNBytes(1 << 20);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /** Runs and throws with the command's own message when it fails. */
    static String check(List<String> args) throws IOException {
        Result r = run(args);
        if (!r.ok()) {
            throw new IOException("ip " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    private static String binary() {
        for (String candidate : new String[] {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
            if (new java.io.File(candidate).canExecute()) {
                return candidate;
            }
        }
        return "ip";
    }
}
