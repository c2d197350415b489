package io.flywheel.skew.report;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the rendered report in headless Chromium (Debian package {@code chromium}) and checks the
 * screenshot shows the charts and the highlighted rows. Skipped where Chromium is absent, except
 * under CI=true, where .ci/run installs it and its absence is a failure.
 */
class SkewReportChromiumIT {
  private static final long TIMEOUT_SECONDS = 180;
  private static final int WIDTH = 1280;
  private static final int HEIGHT = 4000;

  @Test
  void chromiumShowsTheChartsAndTheHighlightedRows(@TempDir Path dir) throws Exception {
    Path chromium = chromium();
    Path report = SkewReport.write(SkewReportSamples.drifted(), dir.resolve("report.html"));
    Path screenshot = dir.resolve("screenshot.png");
    Path log = dir.resolve("chromium.log");

    Process process = new ProcessBuilder(List.of(chromium.toString(), "--headless", "--disable-gpu", "--no-sandbox",
        // Nothing but the file: no profile shared with a person's browser, no background requests.
        "--user-data-dir=" + dir.resolve("profile"), "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
        "--hide-scrollbars", "--screenshot=" + screenshot, "--window-size=" + WIDTH + "," + HEIGHT,
        report.toUri().toString()))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      fail("chromium took more than " + TIMEOUT_SECONDS + " s; its log ends with:\n" + tail(log));
    }
    assertThat(process.exitValue()).as("chromium's exit code; its log ends with:\n%s", tail(log)).isZero();
    assertThat(screenshot).as("screenshot; chromium's log ends with:\n%s", tail(log)).exists();

    BufferedImage image = ImageIO.read(screenshot.toFile());
    assertThat(image).as("the screenshot decodes as PNG").isNotNull();
    assertThat(image.getWidth()).isEqualTo(WIDTH);
    assertThat(image.getHeight()).isGreaterThan(1_000);
    // Charts in both side colours (the bars' interiors are exact), and the pale red of breached rows
    // and gap clusters: a blank or unstyled page has none of them.
    assertThat(near(image, SkewCharts.DEV_COLOR)).as("dev-coloured pixels").isGreaterThan(5_000);
    assertThat(near(image, SkewCharts.PROD_COLOR)).as("prod-coloured pixels").isGreaterThan(5_000);
    assertThat(near(image, new Color(0xFD, 0xEC, 0xEA))).as("breach highlight pixels").isGreaterThan(5_000);
    assertThat(distinctColours(image)).as("distinct colours on the page").isGreaterThan(200);
    // Kept for a person to look at (mvn runs the test in jobs/, so this is jobs/target).
    if (Files.isDirectory(Path.of("target"))) {
      Files.copy(screenshot, Path.of("target", "skew-report-screenshot.png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Chromium's binary on PATH; a skip where it is absent, a failure when CI=true. */
  private static Path chromium() {
    Optional<Path> found = Stream.of("chromium", "chromium-browser")
        .flatMap(name -> Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(d -> !d.isEmpty())
            .map(d -> Path.of(d, name)))
        .filter(Files::isExecutable)
        .findFirst();
    if (found.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true but no chromium on PATH: .ci/run installs the Debian package chromium before the tests");
    }
    Assumptions.assumeTrue(found.isPresent(), "chromium is not installed (apt-get install chromium)");
    return found.get();
  }

  /** Pixels within a small distance of {@code c} in each channel (the compositor may round by one). */
  private static int near(BufferedImage image, Color c) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        if (Math.abs(((rgb >> 16) & 0xFF) - c.getRed()) <= 2 && Math.abs(((rgb >> 8) & 0xFF) - c.getGreen()) <= 2
            && Math.abs((rgb & 0xFF) - c.getBlue()) <= 2) {
          n++;
        }
      }
    }
    return n;
  }

  private static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y) & 0xFFFFFF);
      }
    }
    return colours.size();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log, UTF_8) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(could not read " + log + ": " + e.getMessage() + ")";
    }
  }
}
