package dev.turnout.host.platform;

import java.util.List;

/**
 * What {@link Platform#captureSystemDns} did: the route state with its changes recorded, and one line per resolver
 * or setting saying which way it was taken (or why not), for the log.
 */
public record SystemDnsCapture(RouteState state, List<String> report) {

    public SystemDnsCapture {
        report = List.copyOf(report);
    }
}
