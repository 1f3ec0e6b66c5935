package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import org.pf4j.Extension;

/**
 * Type {@code ss}: a Shadowsocks client with the AEAD ciphers of SIP004 ({@code aes-128-gcm},
 * {@code aes-256-gcm}, {@code chacha20-ietf-poly1305}, {@code xchacha20-ietf-poly1305} ...) and the stream ciphers
 * mihomo takes ({@link StreamMethod}), TCP and, with {@code udp: true}, UDP relay. Options
 * are those of Clash: {@code server}, {@code port}, {@code cipher}, {@code password}, {@code udp}; plus
 * {@code timeout} for connecting and for the server's first answer, and {@code plugin: obfs} or
 * {@code plugin: v2ray-plugin} with their {@code plugin-opts}.
 */
@Extension
public final class ShadowsocksType implements OutboundType {

    @Override
    public String type() {
        return "ss";
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        return new ShadowsocksOutbound(options.name(), ShadowsocksOptions.from(options, context::warn), context);
    }
}
