package dev.turnout.plugins.vmess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The chunk mask is SHAKE128 read two bytes at a time; the vector is python3's hashlib.shake_128. */
class ChunkMaskTest {

    @Test
    void valuesAreShake128OfTheIvTwoBytesAtATime() {
        byte[] iv = new byte[16];
        for (int i = 0; i < 16; i++) {
            iv[i] = (byte) i;
        }
        // python3 -c "import hashlib; print(hashlib.shake_128(bytes(range(16))).hexdigest(8))" -> 98481946de85c670
        ChunkMask mask = new ChunkMask(iv);
        assertEquals(0x9848, mask.next());
        assertEquals(0x1946, mask.next());
        assertEquals(0xde85 % 64, mask.nextPadding());
        assertEquals(0xc670, mask.next());
    }
}
