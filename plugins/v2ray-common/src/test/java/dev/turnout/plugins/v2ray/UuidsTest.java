package dev.turnout.plugins.v2ray;

import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** A user's id as V2Ray takes it: the 16 bytes its 32 hex digits spell, in order; only the 8-4-4-4-12 form. */
class UuidsTest {

    @Test
    void theIdIsTheSixteenBytesItsDigitsSpellInOrder() throws Exception {
        assertArrayEquals(HexFormat.of().parseHex("b831381d63244d53ad4f8cda48b30811"),
                Uuids.require(TestOptions.of("vless", "uuid", " b831381d-6324-4d53-ad4f-8cda48b30811\n")));
    }

    @Test
    void shortOrRunTogetherFormsAreRefusedWithoutEchoingTheSecret() {
        for (String bad : new String[] {"1-2-3-4-5", "b831381d63244d53ad4f8cda48b30811", "not-a-uuid-at-all-but-36-chars-long!",
                "b831381d-6324-4d53-ad4f-8cda48b3081"}) {
            OptionException e = assertThrows(OptionException.class,
                    () -> Uuids.require(TestOptions.of("vmess", "uuid", bad)), bad);
            assertFalse(e.getMessage().contains(bad), e.getMessage());
        }
        assertRejects(() -> Uuids.require(TestOptions.of("vmess", "uuid", "xyz")), "uuid", "8-4-4-4-12");
    }

    @Test
    void aMissingIdIsRefusedByName() {
        assertRejects(() -> Uuids.require(TestOptions.of("vmess")), "uuid", "uuid");
    }
}
