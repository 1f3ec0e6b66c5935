package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderLoaderTest {

    private static void domains(Path file, int count) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int i = 0; i < count; i++) {
                out.write("h" + i + ".example.com\n");
            }
        }
    }

    @Test
    void providersTogetherLargerThanTheLimitAreRefusedBeforeBeingRead(@TempDir Path dir) throws Exception {
        domains(dir.resolve("a.txt"), 200_000); // 3.7 MB: fits alone
        domains(dir.resolve("b.txt"), 300_000); // 5.8 MB more: together past 8 MiB
        Config c = ConfigLoader.parse(String.join("\n", "rule-providers:",
                "  a: {type: file, behavior: domain, format: text, path: ./a.txt}",
                "  b: {type: file, behavior: domain, format: text, path: ./b.txt}",
                "rules: [RULE-SET,a,DIRECT, RULE-SET,b,DIRECT]", ""), "c.yaml", dir.resolve("c.yaml"), dir);
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderLoader.load(c, false));
        long total = Files.size(dir.resolve("a.txt")) + Files.size(dir.resolve("b.txt"));
        assertEquals("c.yaml:3:6: provider 'b': " + dir.resolve("b.txt") + " (with the providers before it) is "
                + String.format(java.util.Locale.ROOT, "%,d", total) + " bytes; the limit is 8,388,608 (8 MiB), refused",
                e.getMessage());
    }

    @Test
    void aProviderThatIsNotUtf8IsNamedWithItsLine(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a.txt"), new byte[] {'a', '.', 't', '\n', 'b', (byte) 0xff, '\n'});
        Config c = ConfigLoader.parse("rule-providers:\n  a: {type: file, behavior: domain, format: text, path: ./a.txt}\n"
                + "rules: [RULE-SET,a,DIRECT]\n", "c.yaml", dir.resolve("c.yaml"), dir);
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderLoader.load(c, false));
        assertEquals(List.of(dir.resolve("a.txt") + ":2:2: not UTF-8: byte 0xFF at offset 5 cannot be decoded; save it as UTF-8"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }

    @Test
    void aFileProviderWhoseFileIsMissingIsEmptyWithANoteAtItsEntryAsMihomoGoesOn(@TempDir Path dir) throws Exception {
        Config c = ConfigLoader.parse("rule-providers:\n  a: {type: file, behavior: domain, format: text, path: ./a.txt}\n"
                + "rules: [RULE-SET,a,DIRECT]\n", "c.yaml", dir.resolve("c.yaml"), dir);
        ProviderLoader.Loaded loaded = ProviderLoader.load(c, false);
        assertEquals(List.of("c.yaml:2:6: provider 'a': file " + dir.resolve("a.txt") + " does not exist; its rules"
                + " match nothing until it is there and read again"), loaded.notes());
        assertEquals("", loaded.sources().get("a").content());
        assertEquals(java.util.Set.of("a"), loaded.emptyAsSaid(), "not said to be empty once more by the rules");
    }

    @Test
    void anMrsProvidersBytesCountTowardsTheLimitOfAllProviders(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a.mrs"), new byte[5 * 1024 * 1024]); // read as bytes here, parsed by the rules
        domains(dir.resolve("b.txt"), 200_000); // 3.7 MB: together past 8 MiB
        Config c = ConfigLoader.parse(String.join("\n", "rule-providers:",
                "  a: {type: file, behavior: domain, format: mrs, path: ./a.mrs}",
                "  b: {type: file, behavior: domain, format: text, path: ./b.txt}",
                "rules: [RULE-SET,a,DIRECT, RULE-SET,b,DIRECT]", ""), "c.yaml", dir.resolve("c.yaml"), dir);
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderLoader.load(c, false));
        assertTrue(e.getMessage().startsWith("c.yaml:3:6: provider 'b': " + dir.resolve("b.txt")
                + " (with the providers before it) is "), e.getMessage());
    }
}
