package dev.turnout.host.config;

/**
 * mihomo's {@code profile:}: what a run keeps for the next one.
 *
 * @param storeSelected the members picked in {@code select} groups (and pinned in url-test and fallback ones); mihomo's
 *     default, true
 * @param storeFakeIp the fake-IP mappings, so a restart hands each name its old address; true unless written false
 *     (mihomo's default is false: Turnout keeps them so that applications holding a fake address across a restart
 *     still reach their name)
 */
public record Profile(boolean storeSelected, boolean storeFakeIp) {

    public static final Profile DEFAULT = new Profile(true, true);
}
