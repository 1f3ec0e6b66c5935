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
