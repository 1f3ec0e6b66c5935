package dev.turnout.plugins.v2ray;

import dev.turnout.api.OptionException;
import java.nio.ByteBuffer;
import java.util.UUID;

/** The {@code uuid} option: a user's id, 16 bytes on the wire. Never echoed in messages: it is the secret. */
public final class Uuids {

    private Uuids() {
    }

    public static byte[] require(dev.turnout.api.OutboundOptions options) throws OptionException {
        String text = options.requireString("uuid").trim();
        UUID uuid;
        try {
            if (text.length() != 36) {
                throw new IllegalArgumentException();
            }
            uuid = UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new OptionException("uuid", "'uuid' must be a UUID (8-4-4-4-12 hex digits)");
        }
        return ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array();
    }
}
