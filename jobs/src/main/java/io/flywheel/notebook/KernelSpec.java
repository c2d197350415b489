package io.flywheel.notebook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Flywheel kernel's Jupyter kernelspec ({@code kernel.json}, docs/notebooks.md#the-kernel): the
 * command Jupyter runs to start {@link FlywheelKernel}, and where Jupyter looks for it.
 */
public record KernelSpec(String name, String displayName, List<String> argv, Map<String, String> env) {
  public static final String NAME = "flywheel";
  public static final String DISPLAY_NAME = "Flywheel (Spark SQL)";
  public static final String MAIN_CLASS = "io.flywheel.notebook.FlywheelKernel";
  /** Jupyter replaces this argument with the path of the kernel's connection file. */
  public static final String CONNECTION_FILE = "{connection_file}";

  public KernelSpec {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }

  /** {@code java <jvmOptions> -cp <classpath> FlywheelKernel <kernelArgs> {connection_file}}. */
  public static KernelSpec of(String java, List<String> jvmOptions, String classpath, List<String> kernelArgs,
      Map<String, String> env) {
    List<String> argv = new ArrayList<>();
    argv.add(java);
    argv.addAll(jvmOptions);
    argv.add("-cp");
    argv.add(classpath);
    argv.add(MAIN_CLASS);
    argv.addAll(kernelArgs);
    argv.add(CONNECTION_FILE);
    return new KernelSpec(NAME, DISPLAY_NAME, argv, env);
  }

  /** The {@code kernel.json} text. */
  public String json() {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("argv", argv);
    spec.put("display_name", displayName);
    spec.put("language", "sql");
    spec.put("interrupt_mode", "message");
    spec.put("env", new java.util.TreeMap<>(env));
    spec.put("metadata", Map.of("debugger", false));
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(spec) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write the kernelspec as JSON", e);
    }
  }

  /** Writes {@code kernel.json} into {@code kernelDir} (created when missing); returns the file. */
  public Path write(Path kernelDir) throws IOException {
    Files.createDirectories(kernelDir);
    Path file = kernelDir.resolve("kernel.json");
    Files.writeString(file, json());
    return file;
  }

  /**
   * Jupyter's per-user data folder, as {@code jupyter --data-dir} finds it: {@code $JUPYTER_DATA_DIR},
   * else {@code ~/Library/Jupyter} on macOS, {@code %APPDATA%\jupyter} on Windows, and
   * {@code $XDG_DATA_HOME/jupyter} (default {@code ~/.local/share/jupyter}) elsewhere.
   */
  public static Path userDataDir(Map<String, String> env, String osName, Path home) {
    String explicit = env.get("JUPYTER_DATA_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("mac")) {
      return home.resolve("Library").resolve("Jupyter");
    }
    if (os.startsWith("windows") && env.get("APPDATA") != null) {
      return Path.of(env.get("APPDATA")).resolve("jupyter");
    }
    String xdg = env.get("XDG_DATA_HOME");
    Path data = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".local").resolve("share");
    return data.resolve("jupyter");
  }

  /** The kernel's folder under a Jupyter data folder: {@code <data>/kernels/<name>}. */
  public static Path kernelDir(Path dataDir, String name) {
    return dataDir.resolve("kernels").resolve(name);
  }

  /** The kernel's folder under an installation prefix, as {@code jupyter kernelspec install --prefix} puts it. */
  public static Path prefixKernelDir(Path prefix, String name) {
    return kernelDir(prefix.resolve("share").resolve("jupyter"), name);
  }
}
