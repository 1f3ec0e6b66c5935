package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HomeConfigTest {

    private static HomeConfig.Found find(Path file, Path dir, String xdg, Set<String> existing) {
        return HomeConfig.find(file, dir, xdg, "/home/u", p -> existing.contains(p.toString()));
    }

    @Test
    void aNamedFileIsReadAsGivenWithTheHomeFolderOfMinusD() {
        HomeConfig.Found f = find(Path.of("c.yaml"), Path.of("/h"), null, Set.of());
        assertEquals(Path.of("c.yaml"), f.file());
        assertEquals(Path.of("/h"), f.home());
        assertNull(f.note());
    }

    @Test
    void minusDAloneReadsItsConfigYamlOrTheBuiltInWithThatHome() {
        assertEquals(Path.of("/h/config.yaml"), find(null, Path.of("/h"), null, Set.of("/h/config.yaml")).file());
        HomeConfig.Found none = find(null, Path.of("/h"), null, Set.of());
        assertNull(none.file());
        assertEquals(Path.of("/h"), none.home());
        assertEquals("no config.yaml in /h: using the built-in default, with /h as the home folder", none.note());
    }

    @Test
    void turnoutsOwnFolderComesBeforeClashsAndMihomos() {
        Set<String> all = Set.of("/x/turnout/config.yaml", "/home/u/.config/clash/config.yaml",
                "/home/u/.config/mihomo/config.yaml");
        assertEquals(Path.of("/x/turnout/config.yaml"), find(null, null, "/x", all).file());
        assertEquals(Path.of("/home/u/.config/clash/config.yaml"), find(null, null, null, all).file());
        HomeConfig.Found mihomo = find(null, null, null, Set.of("/home/u/.config/mihomo/config.yaml"));
        assertEquals(Path.of("/home/u/.config/mihomo/config.yaml"), mihomo.file());
        assertNull(mihomo.home(), "relative paths resolve against the found file's folder");
        assertEquals("using /home/u/.config/mihomo/config.yaml (no -f or -d given)", mihomo.note());
    }

    @Test
    void withoutXdgConfigHomeTurnoutsFolderIsUnderDotConfig() {
        assertEquals(List.of(Path.of("/home/u/.config/turnout/config.yaml"), Path.of("/home/u/.config/clash/config.yaml"),
                Path.of("/home/u/.config/mihomo/config.yaml")), HomeConfig.candidates(null, "/home/u"));
        assertEquals(List.of(Path.of("/x/turnout/config.yaml"), Path.of("/home/u/.config/clash/config.yaml"),
                Path.of("/x/clash/config.yaml"), Path.of("/home/u/.config/mihomo/config.yaml"),
                Path.of("/x/mihomo/config.yaml")), HomeConfig.candidates("/x", "/home/u"));
    }

    @Test
    void nothingFoundMeansTheBuiltInDefaultAndSaysWhereItLooked() {
        HomeConfig.Found f = find(null, null, "/x", Set.of());
        assertNull(f.file());
        assertEquals("no -f or -d given and none of [/x/turnout/config.yaml, /home/u/.config/clash/config.yaml, "
                + "/x/clash/config.yaml, /home/u/.config/mihomo/config.yaml, /x/mihomo/config.yaml] exists: using the "
                + "built-in default", f.note());
    }
}
