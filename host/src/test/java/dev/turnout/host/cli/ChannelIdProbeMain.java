package dev.turnout.host.cli;

import io.netty.channel.DefaultChannelId;

/**
 * Applies Turnout's Netty defaults as {@code turnout run} does, then prints the machine id they leave for Netty
 * ({@code machineId ...}) and a new channel id's long text ({@code channelId ...}), whose first part is the machine
 * id Netty took.
 */
public final class ChannelIdProbeMain {

    private ChannelIdProbeMain() {
    }

    public static void main(String[] args) {
        Main.applyNettyDefaults();
        System.out.println("machineId " + System.getProperty("io.netty.machineId"));
        System.out.println("channelId " + DefaultChannelId.newInstance().asLongText());
    }
}
