package dev.turnout.host.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As root, a plugin another user can write, or one in a folder another user can write, is refused before any of its
 * code runs (it ran as root before: session 68's F3). Needs root, to give files to another user (uid 65534).
 */
class PluginTrustTest {

    static final int NOBODY = 65534;

    @TempDir
    Path dir;

    Path plugins;

    final PluginTrust rootOnly = new PluginTrust(true, Set.of(0));

    @BeforeEach
    void asRoot() throws IOException {
        Assumptions.assumeTrue(PluginTrust.runningAsRoot(),
                "skipped: these tests give files to uid 65534 and check what root refuses; run them as root (CI does)");
        plugins = Files.createDirectories(dir.resolve("plugins"));
        mode(dir, "rwxr-xr-x");
        mode(plugins, "rwxr-xr-x");
    }

    @Test
    void rootRunsAsItsOwnInstallationsOwnerAndRoot() {
        PluginTrust t = PluginTrust.ofThisProcess();
        assertTrue(t.enforced());
    }

    @Test
    void aSafeFolderLoadsAndAGroupRootWritableOneToo() throws Exception {
        jar("good.jar");
        assertEquals(Map.of(), loadFailures(rootOnly, 1));
        mode(plugins, "rwxrwxr-x"); // group 0: as root's files are under umask 002
        mode(plugins.resolve("good.jar"), "rw-rw-r--");
        assertEquals(Map.of(), loadFailures(rootOnly, 1));
    }

    @Test
    void aFolderOthersCanWriteRefusesEveryJarInOneLine() throws Exception {
        jar("a.jar");
        jar("b.jar");
        mode(plugins, "rwxrwxrwx");
        assertEquals(Map.of("plugins", "refused, as Turnout runs as root: " + plugins.toRealPath() + " is writable by"
                + " every user (mode 0777); so no plugin in this folder is loaded"), loadFailures(rootOnly, 0));
        // Not root: the process's own user could write its plugins anyway, so nothing is checked.
        assertEquals(Map.of(), loadFailures(PluginTrust.NONE, 2));
    }

    @Test
    void theStickyBitKeepsAFolderSafeButNotAJarAnotherUserPutThere() throws Exception {
        jar("a.jar");
        Path theirs = jar("theirs.jar");
        Files.setAttribute(theirs, "unix:uid", NOBODY);
        Files.setAttribute(plugins, "unix:mode", 01777);
        assertEquals(Map.of("theirs.jar", "refused, as Turnout runs as root: " + theirs.toRealPath() + " is owned by uid "
                + NOBODY + ", neither root nor the owner of Turnout's installation; another user could change the code"
                + " Turnout runs as root (make it owned by root, mode 644)"), loadFailures(rootOnly, 1));
    }

    @Test
    void aGroupWritableFolderOfAnotherGroupOrAnotherUsersFolderOrParentIsRefused() throws Exception {
        jar("a.jar");
        mode(plugins, "rwxrwxr-x");
        Files.setAttribute(plugins, "unix:gid", NOBODY);
        assertTrue(loadFailures(rootOnly, 0).get("plugins").contains(" is writable by group " + NOBODY + " (mode 0775)"));
        mode(plugins, "rwxr-xr-x");
        Files.setAttribute(plugins, "unix:uid", NOBODY);
        assertTrue(loadFailures(rootOnly, 0).get("plugins").contains(" is owned by uid " + NOBODY + ", neither root nor"));
        // The same folder, when uid 65534 owns Turnout's installation (unpacked in its home, run with sudo): loaded.
        assertEquals(Map.of(), loadFailures(new PluginTrust(true, Set.of(0, NOBODY)), 1));
        Files.setAttribute(plugins, "unix:uid", 0);
        mode(dir, "rwxrwxrwx");
        assertEquals("refused, as Turnout runs as root: " + dir.toRealPath() + " is writable by every user (mode 0777);"
                + " so no plugin in this folder is loaded", loadFailures(rootOnly, 0).get("plugins"));
    }

    @Test
    void aJarOthersCanWriteOrOwnIsRefusedAndTheOthersLoad() throws Exception {
        jar("fine.jar");
        mode(jar("world.jar"), "rw-rw-rw-");
        Path group = mode(jar("group.jar"), "rw-rw-r--");
        Files.setAttribute(group, "unix:gid", NOBODY);
        Files.setAttribute(jar("owned.jar"), "unix:uid", NOBODY);
        Map<String, String> f = loadFailures(rootOnly, 1);
        assertEquals(Set.of("world.jar", "group.jar", "owned.jar"), f.keySet(), f.toString());
        assertTrue(f.get("world.jar").contains("world.jar is writable by every user (mode 0666)"), f.get("world.jar"));
        assertTrue(f.get("group.jar").contains("group.jar is writable by group " + NOBODY + " (mode 0664)"), f.get("group.jar"));
        assertTrue(f.get("owned.jar").contains("owned.jar is owned by uid " + NOBODY), f.get("owned.jar"));
        assertEquals(Map.of(), loadFailures(PluginTrust.NONE, 4));
    }

    @Test
    void aSymlinkedJarIsJudgedByItsTargetAndTheTargetsFolder() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        mode(elsewhere, "rwxr-xr-x");
        Path target = jar(elsewhere, "target.jar", "target");
        Path link = Files.createSymbolicLink(plugins.resolve("link.jar"), target);
        assertEquals(Map.of(), loadFailures(rootOnly, 1));
        mode(target, "rw-rw-rw-");
        assertEquals(Map.of("link.jar", "refused, as Turnout runs as root: " + target.toRealPath() + " is writable by every"
                + " user (mode 0666) (the target of the symlink " + link + "); another user could change the code Turnout"
                + " runs as root (make it owned by root, mode 644)"), loadFailures(rootOnly, 0));
        mode(target, "rw-r--r--");
        mode(elsewhere, "rwxrwxrwx");
        assertEquals(Map.of("link.jar", "refused, as Turnout runs as root: " + target.toRealPath() + " (the target of the"
                + " symlink " + link + ") is in a folder where " + elsewhere.toRealPath() + " is writable by every user"
                + " (mode 0777)"), loadFailures(rootOnly, 0));
    }

    @Test
    void aPluginFolderWithAFileOthersCanWriteIsRefused() throws Exception {
        Path exploded = Files.createDirectories(plugins.resolve("exploded/classes"));
        mode(exploded.getParent(), "rwxr-xr-x");
        mode(exploded, "rwxr-xr-x");
        Path props = Files.writeString(exploded.getParent().resolve("plugin.properties"),
                "plugin.id=exploded\nplugin.version=1.0.0\nplugin.class=x.Y\n");
        mode(props, "rw-rw-rw-");
        assertEquals(Map.of("exploded", "refused, as Turnout runs as root: " + props.toRealPath() + " is writable by every"
                + " user (mode 0666); another user could change the code Turnout runs as root"), loadFailures(rootOnly, 0));
    }

    /** The failures of loading the plugins folder with {@code trust}, by file name, checking {@code loaded} loaded. */
    private Map<String, String> loadFailures(PluginTrust trust, int loaded) {
        try (PluginHost host = PluginHost.load(plugins, false, trust)) {
            Map<String, String> out = new TreeMap<>();
            host.failures().forEach(f -> out.put(f.path().getFileName().toString(), f.reason()));
            assertEquals(loaded, host.plugins().size(), out + " " + host.plugins());
            return out;
        }
    }

    private Path jar(String name) throws IOException {
        return jar(plugins, name, name.replace(".jar", ""));
    }

    private static Path jar(Path folder, String name, String id) throws IOException {
        return mode(PluginHostTest.plugin(folder.resolve(name), id, TestPlugins.Plain.class, Map.of()), "rw-r--r--");
    }

    private static Path mode(Path p, String perms) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

}
