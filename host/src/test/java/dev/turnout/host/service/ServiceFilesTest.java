package dev.turnout.host.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.SystemCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Installing into a scratch root writes only the file there and never runs a system program. */
class ServiceFilesTest {

    private static final SystemCommand.Runner NEVER = cmd -> {
        throw new AssertionError("ran " + cmd + " for a scratch root");
    };

    @Test
    void aSystemdUnitGoesToEtcSystemdSystemUnderTheRootAndUninstallRemovesIt(@TempDir Path root) throws Exception {
        ServiceFiles files = new ServiceFiles("linux", root, NEVER);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path file = files.install(SystemdUnitTest.LAYOUT, new PrintStream(out, true));
        assertEquals(root.resolve("etc/systemd/system/turnout.service"), file);
        assertEquals(SystemdUnit.render(SystemdUnitTest.LAYOUT), Files.readString(file));
        assertTrue(out.toString().contains("scratch root"), out.toString());
        assertTrue(files.uninstall(new PrintStream(out, true)));
        assertFalse(Files.exists(file));
        assertFalse(files.uninstall(new PrintStream(out, true)), "nothing left to remove");
    }

    /** The lifecycle tester's F13: a unit naming a missing Turnout or config was written without a word. */
    @Test
    void installWarnsWhenTheTurnoutOrTheConfigTheUnitNamesIsMissing(@TempDir Path root) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ServiceFiles("linux", root.resolve("a"), NEVER).install(
                new ServiceLayout(root.resolve("nothing-here"), root.resolve("none.yaml"), "turnout"), new PrintStream(out, true));
        assertTrue(out.toString().contains("warning: " + root.resolve("nothing-here/bin/turnout") + " does not exist"), out.toString());
        assertTrue(out.toString().contains("warning: the config " + root.resolve("none.yaml") + " does not exist"), out.toString());

        Path home = Files.createDirectories(root.resolve("turnout/bin"));
        Files.writeString(home.resolve("turnout"), "#!/bin/sh\n");
        Path config = Files.writeString(root.resolve("config.yaml"), "rules: [MATCH,DIRECT]\n");
        out.reset();
        new ServiceFiles("linux", root.resolve("b"), NEVER).install(new ServiceLayout(root.resolve("turnout"), config, "turnout"),
                new PrintStream(out, true));
        assertFalse(out.toString().contains("warning"), out.toString());
    }

    /** F13: uninstall removed the unit only and said nothing of the user, /run/turnout and the caches it leaves. */
    @Test
    void uninstallSaysWhatItLeavesAndWhere(@TempDir Path root) throws Exception {
        ServiceFiles files = new ServiceFiles("linux", root, NEVER);
        files.install(SystemdUnitTest.LAYOUT, new PrintStream(new ByteArrayOutputStream()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(files.uninstall(new PrintStream(out, true)));
        String said = out.toString();
        assertTrue(said.contains("the system user turnout (userdel turnout)"), said);
        assertTrue(said.contains("/run/turnout: lock files"), said);
        assertTrue(said.contains("in /etc/turnout/: the config, turnout-fakeip.cache"), said);
        assertTrue(said.contains(".turnout-selections"), said);

        files = new ServiceFiles("macos", root, NEVER);
        files.install(SystemdUnitTest.LAYOUT, new PrintStream(new ByteArrayOutputStream()));
        out.reset();
        assertTrue(files.uninstall(new PrintStream(out, true)));
        assertTrue(out.toString().contains("in /etc/turnout/: the config"), out.toString());
        assertFalse(out.toString().contains("system user"), out.toString());
    }

    /** F13: a non-root install said only "turnout service install failed: /etc/systemd/system/turnout.service". */
    @Test
    void aPermissionRefusalSaysToRunAsRoot() {
        String said = ServiceFiles.denied(new java.nio.file.AccessDeniedException("/etc/systemd/system/turnout.service"),
                "write /etc/systemd/system/turnout.service").getMessage();
        assertTrue(said.contains("cannot write /etc/systemd/system/turnout.service: permission denied; run it as root"), said);
    }

    @Test
    void aLaunchDaemonGoesToLibraryLaunchDaemons(@TempDir Path root) throws Exception {
        Path file = new ServiceFiles("macos", root, NEVER).install(SystemdUnitTest.LAYOUT, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(root.resolve("Library/LaunchDaemons/dev.turnout.plist"), file);
        assertEquals(LaunchdPlist.render(SystemdUnitTest.LAYOUT), Files.readString(file));
    }

    @Test
    void otherSystemsAreRefused(@TempDir Path root) {
        assertThrows(IllegalArgumentException.class, () -> new ServiceFiles("windows", root, NEVER));
    }
}
