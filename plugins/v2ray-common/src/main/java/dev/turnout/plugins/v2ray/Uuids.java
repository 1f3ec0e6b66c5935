package dev.turnout.plugins.v2ray;

import dev.turnout.api.OptionException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The {@code uuid} option: a user's id, 16 bytes on the wire. Never echoed in messages: it is the secret.
 *
 * <p>Read as mihomo reads it: a UUID in any of the forms its UUID library takes (8-4-4-4-12, 32 digits run together,
 * braced, {@code urn:uuid:}); any other text is Xray's "custom id", mapped to the name-based UUID (version 5) of that
 * text in the all-zero namespace, which is what an Xray or mihomo server configured with the same text expects.
 */
public final class Uuids {

    private static final int SIZE = 16;
    private static final byte[] ZERO_NAMESPACE = new byte[SIZE];

    private Uuids() {
    }

    public static byte[] require(dev.turnout.api.OutboundOptions options) throws OptionException {
        String text = options.requireString("uuid").trim();
        if (text.isEmpty()) {
            throw new OptionException("uuid", "'uuid' is empty: a UUID (8-4-4-4-12 hex digits) or Xray's custom id text");
        }
        byte[] id = parse(text);
        return id != null ? id : nameBased(text);
    }

    /** The 16 bytes of a UUID written in one of the accepted forms, or null when the text is not one. */
    static byte[] parse(String text) {
        String plain = switch (text.length()) {
            case 32, 36 -> text;
            case 38 -> text.charAt(0) == '{' && text.charAt(37) == '}' ? text.substring(1, 37) : null;
            case 41, 45 -> text.regionMatches(true, 0, "urn:uuid:", 0, 9) ? text.substring(9) : null;
            default -> null;
        };
        if (plain == null) {
            return null;
        }
        if (plain.length() == 36) {
            if (plain.charAt(8) != '-' || plain.charAt(13) != '-' || plain.charAt(18) != '-' || plain.charAt(23) != '-') {
                return null;
            }
            plain = plain.substring(0, 8) + plain.substring(9, 13) + plain.substring(14, 18) + plain.substring(19, 23)
                    + plain.substring(24);
        }
        if (plain.length() != 32) {
            return null;
        }
        for (int i = 0; i < plain.length(); i++) {
            if (Character.digit(plain.charAt(i), 16) < 0) {
                return null;
            }
        }
        return HexFormat.of().parseHex(plain);
    }

    /** RFC 4122's version 5 UUID of {@code name} (UTF-8) in the all-zero namespace. */
    static byte[] nameBased(String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
        sha1.update(ZERO_NAMESPACE);
        byte[] id = Arrays.copyOf(sha1.digest(name.getBytes(StandardCharsets.UTF_8)), SIZE);
        id[6] = (byte) ((id[6] & 0x0f) | 0x50);
        id[8] = (byte) ((id[8] & 0x3f) | 0x80);
        return id;
    }
}
