package dev.turnout.plugins.v2ray;

import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.turnout.api.testing.TestOptions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A user's id as mihomo takes it: the 16 bytes a UUID's 32 hex digits spell, in any form its UUID library reads;
 * any other text mapped as Xray maps a custom id (expected values from Python's {@code uuid.uuid5(UUID(int=0), text)}).
 */
class UuidsTest {

    private static final byte[] ID = HexFormat.of().parseHex("b831381d63244d53ad4f8cda48b30811");

    @Test
    void theIdIsTheSixteenBytesItsDigitsSpellInOrder() throws Exception {
        assertArrayEquals(ID, Uuids.require(TestOptions.of("vless", "uuid", " b831381d-6324-4d53-ad4f-8cda48b30811\n")));
    }

    @Test
    void theRunTogetherBracedAndUrnFormsSpellTheSameId() throws Exception {
        for (String form : new String[] {"b831381d63244d53ad4f8cda48b30811", "B831381D-6324-4D53-AD4F-8CDA48B30811",
                "{b831381d-6324-4d53-ad4f-8cda48b30811}", "urn:uuid:b831381d-6324-4d53-ad4f-8cda48b30811",
                "urn:uuid:b831381d63244d53ad4f8cda48b30811"}) {
            assertArrayEquals(ID, Uuids.require(TestOptions.of("vmess", "uuid", form)), form);
        }
    }

    @Test
    void otherTextIsXraysCustomIdMappedToItsNameBasedUuid() throws Exception {
        assertMapsTo("turnout-user", "98b060c5c92a5d58b004dab035528def");
        assertMapsTo("uuid", "4d31b261d04b58b6b080f67c237786f3");
        assertMapsTo("例子", "b357d49f786c570dbed53e9767f1c281");
        // Almost a UUID is still text: mapped, not read with a wrong digit.
        assertMapsTo("b831381d-6324-4d53-ad4f-8cda48b3081", null);
        assertMapsTo("b831381d-6324-4d53-ad4f-8cda48b3081g", null);
    }

    private static void assertMapsTo(String text, String hex) throws Exception {
        byte[] id = Uuids.require(TestOptions.of("vmess", "uuid", text));
        assertArrayEquals(Uuids.nameBased(text), id, text);
        if (hex != null) {
            assertArrayEquals(HexFormat.of().parseHex(hex), id, text);
        }
    }

    @Test
    void aMissingOrBlankIdIsRefusedByName() {
        assertRejects(() -> Uuids.require(TestOptions.of("vmess")), "uuid", "uuid");
        assertRejects(() -> Uuids.require(TestOptions.of("vmess", "uuid", "  ")), "uuid", "empty");
    }
}
