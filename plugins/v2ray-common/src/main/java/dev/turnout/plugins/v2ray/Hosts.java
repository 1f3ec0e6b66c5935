package dev.turnout.plugins.v2ray;

import dev.turnout.api.Destination;
import dev.turnout.api.OptionException;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a {@code server} option into a destination without any lookup: literals become addresses. */
public final class Hosts {

    private Hosts() {
    }

    public static Destination destination(String server, int port) throws OptionException {
        String literal = server.startsWith("[") && server.endsWith("]") ? server.substring(1, server.length() - 1) : server;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes != null) {
            try {
                return Destination.ofAddress(InetAddress.getByAddress(bytes), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a parsed literal has a valid length", e);
            }
        }
        if (server.isEmpty() || server.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '[' || c == ']')) {
            throw new OptionException("server", "'server' is neither a host name nor an IP address: " + server);
        }
        return Destination.ofHost(server, port);
    }
}
