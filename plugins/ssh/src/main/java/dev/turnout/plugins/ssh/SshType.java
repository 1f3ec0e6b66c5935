package dev.turnout.plugins.ssh;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code ssh}: TCP flows through an SSH server's port forwarding ({@code direct-tcpip} channels, what
 * {@code ssh -W} and {@code ssh -L} use), as mihomo's. Options are mihomo's: {@code server}, {@code port},
 * {@code username}, {@code password}, {@code private-key} (the key, or its file's path, a relative one in the home
 * folder), {@code private-key-passphrase}, {@code host-key} (the server keys accepted; none: any, as in mihomo, with
 * a warning) and {@code host-key-algorithms}. No UDP, as in mihomo: SSH forwards TCP only.
 */
@Extension
public final class SshType implements OutboundType {

    @Override
    public String type() {
        return "ssh";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new SshOutbound(options.name(), SshOptions.from(options, context::readFile, context::warn), context);
    }
}
