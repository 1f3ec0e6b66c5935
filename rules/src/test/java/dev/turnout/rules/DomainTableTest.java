package dev.turnout.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The table keeps one value a key, and keys as bytes: a key listed under several kinds, and keys that are not
 * Latin-1, must still answer every query as a table of four indexes a key would.
 */
class DomainTableTest {

    @Test
    void aKeyListedUnderEveryKindAnswersEachQueryWithTheLowestIndexThatCoversIt() {
        DomainTable t = new DomainTable(4, 16);
        t.add("a.com", DomainTable.SUFFIX, 9);
        t.add("a.com", DomainTable.EXACT, 5);
        t.add("a.com", DomainTable.BELOW, 7);
        t.add("a.com", DomainTable.ONE_BELOW, 6);
        t.add("a.com", DomainTable.EXACT, 8); // a later, higher index changes nothing
        assertEquals(5, t.lookup("a.com"));
        assertEquals(6, t.lookup("x.a.com"));
        assertEquals(7, t.lookup("y.x.a.com"));
        assertEquals(Index.NONE, t.lookup("b.com"));
        t.add("a.com", DomainTable.SUFFIX, 1);
        assertEquals(1, t.lookup("a.com"));
        assertEquals(1, t.lookup("y.x.a.com"));
    }

    @Test
    void aKeyOfOneKindCoversOnlyWhatThatKindCovers() {
        DomainTable t = new DomainTable(4, 16);
        t.add("exact.com", DomainTable.EXACT, 1);
        t.add("suffix.com", DomainTable.SUFFIX, 2);
        t.add("below.com", DomainTable.BELOW, 3);
        t.add("one.com", DomainTable.ONE_BELOW, 4);
        byte[] ascii = "bytes.com".getBytes(StandardCharsets.US_ASCII);
        t.add(ascii, 0, ascii.length, DomainTable.hash("bytes.com"), DomainTable.SUFFIX, 5);
        t.add(ascii, 0, ascii.length, DomainTable.hash("bytes.com"), DomainTable.SUFFIX, 0);
        assertEquals(1, t.lookup("exact.com"));
        assertEquals(Index.NONE, t.lookup("x.exact.com"));
        assertEquals(2, t.lookup("suffix.com"));
        assertEquals(2, t.lookup("x.y.suffix.com"));
        assertEquals(Index.NONE, t.lookup("below.com"));
        assertEquals(3, t.lookup("x.y.below.com"));
        assertEquals(Index.NONE, t.lookup("one.com"));
        assertEquals(4, t.lookup("x.one.com"));
        assertEquals(Index.NONE, t.lookup("x.y.one.com"));
        assertEquals(0, t.lookup("a.bytes.com"));
    }

    @Test
    void manyKeysOfSeveralKindsKeepTheirOwnIndexesAsTheTableGrows() {
        DomainTable t = new DomainTable(8, 16);
        for (int i = 0; i < 5000; i++) {
            t.add("d" + i + ".com", DomainTable.EXACT, 3 * i + 2);
            if (i % 3 == 0) {
                t.add("d" + i + ".com", DomainTable.BELOW, 3 * i + 1);
            }
        }
        t.trim();
        for (int i = 0; i < 5000; i++) {
            assertEquals(3 * i + 2, t.lookup("d" + i + ".com"), "d" + i);
            assertEquals(i % 3 == 0 ? 3 * i + 1 : Index.NONE, t.lookup("x.d" + i + ".com"), "x.d" + i);
        }
    }

    @Test
    void keysBeyondLatin1MatchOnlyThemselves() {
        DomainTable t = new DomainTable(4, 16);
        t.add("\u4f8b\u5b50.\u4e2d\u56fd", DomainTable.SUFFIX, 2);
        t.add("\u4e2d\u56fd", DomainTable.EXACT, 7);
        t.add("\u4e2d\u56fd", DomainTable.SUFFIX, 9);
        t.add("\u00e9.com", DomainTable.EXACT, 1);
        assertEquals(2, t.lookup("www.\u4f8b\u5b50.\u4e2d\u56fd"));
        assertEquals(2, t.lookup("\u4f8b\u5b50.\u4e2d\u56fd"));
        assertEquals(7, t.lookup("\u4e2d\u56fd"));
        assertEquals(9, t.lookup("x.\u4e2d\u56fd"));
        assertEquals(1, t.lookup("\u00e9.com"));
        // U+01E9 has the low byte of U+00E9: a key kept as bytes must not take one for the other.
        assertEquals(Index.NONE, t.lookup("\u01e9.com"));
        assertEquals(Index.NONE, t.lookup("\u4f8b\u5b50.cn"));
    }
}
