package dev.turnout.host.platform;

import java.util.Locale;

/** Picks the platform once; kept out of {@link Platform} so the choice runs lazily and only once. */
final class PlatformHolder {

    static final Platform CURRENT = choose();

    private PlatformHolder() {
    }

    private static Platform choose() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return new dev.turnout.host.platform.linux.LinuxPlatform();
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            // Loaded by name so this file compiles before the macOS implementation exists.
            try {
                return (Platform) Class.forName("dev.turnout.host.platform.macos.MacPlatform")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return new PlatformUnsupported(os + " (no macOS platform implementation available: " + e + ")");
            }
        }
        return new PlatformUnsupported(os);
    }
}
