package dev.turnout.host.dns;

import java.util.List;

/**
 * mihomo's servers for Turnout's own outbound connections: {@code proxy-server-nameserver} looks up the names of proxy
 * servers, {@code direct-nameserver} those DIRECT connects to (following {@code nameserver-policy} only with
 * {@code direct-nameserver-follow-policy: true}). Empty lists leave those names to {@code nameserver}.
 */
public record OutboundNameservers(List<Nameserver> proxyServer, List<Nameserver> direct, boolean directFollowsPolicy) {

    public static final OutboundNameservers NONE = new OutboundNameservers(List.of(), List.of(), false);

    public OutboundNameservers {
        proxyServer = proxyServer == null ? List.of() : List.copyOf(proxyServer);
        direct = direct == null ? List.of() : List.copyOf(direct);
    }
}
