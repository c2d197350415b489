package io.flywheel.notebook;

import io.flywheel.config.ConfigLoader;
import io.flywheel.run.CliArgs;
import io.flywheel.run.UsageError;
import io.flywheel.submit.SubmitCommand;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code flywheel notebook install-kernel|run} (docs/notebooks.md#commands): writes the Flywheel kernel's
 * kernelspec for Jupyter, or executes notebooks against the configured warehouse with nbclient and
 * writes the executed copies, failing on any error or empty result.
 */
public final class NotebookCommand {
  static final String DEFAULT_OUT = "target/notebooks";
  static final String USAGE = """
      usage: flywheel notebook install-kernel [--conf FILE] [--set key=value]... [--prefix DIR | --dir DIR] [--name NAME]
             flywheel notebook run <notebook.ipynb|folder>... [--conf FILE] [--set key=value]... [--out DIR] [--timeout SECONDS]""";
  /** The Debian packages that bring nbclient, for the error that says they are missing. */
  public static final String PACKAGES = "jupyter-nbconvert python3-nbclient jupyter-client";

  private NotebookCommand() {}

  public static int run(CliArgs cli) {
    if (cli.positional().isEmpty()) {
      throw new UsageError("notebook needs a command\n" + USAGE);
    }
    return switch (cli.positional().get(0)) {
      case "install-kernel" -> installKernel(cli);
      case "run" -> runNotebooks(cli);
      default -> throw new UsageError("notebook has no command '" + cli.positional().get(0) + "'\n" + USAGE);
    };
  }

  private static int installKernel(CliArgs cli) {
    if (cli.positional().size() > 1) {
      throw new UsageError("notebook install-kernel takes no arguments, was given " + cli.positional().subList(1, cli.positional().size()));
    }
    String name = cli.option("name", KernelSpec.NAME);
    Path dir;
    if (cli.options().containsKey("dir") && cli.options().containsKey("prefix")) {
      throw new UsageError("notebook install-kernel takes --dir or --prefix, not both");
    } else if (cli.options().containsKey("dir")) {
      dir = Path.of(cli.option("dir", null));
    } else if (cli.options().containsKey("prefix")) {
      dir = KernelSpec.prefixKernelDir(Path.of(cli.option("prefix", null)), name);
    } else {
      dir = KernelSpec.kernelDir(KernelSpec.userDataDir(System.getenv(), System.getProperty("os.name"),
          Path.of(System.getProperty("user.home"))), name);
    }
    KernelSpec spec = kernelSpec(cli, Map.of());
    try {
      Path file = spec.write(dir);
      System.out.println("notebook: wrote the kernel '" + name + "' to " + file.toAbsolutePath());
      System.out.println("notebook: open notebooks/ with jupyter lab (or notebook) and pick the kernel \"" + spec.displayName() + "\"");
    } catch (IOException e) {
      throw new UsageError("notebook install-kernel: cannot write " + dir + ": " + e.getMessage(), e);
    }
    return 0;
  }

  private static int runNotebooks(CliArgs cli) {
    List<Path> notebooks = notebooks(cli.positional().subList(1, cli.positional().size()));
    String python = python(System.getenv()).orElseThrow(() -> new UsageError(
        "notebook run needs Python with nbclient (Jupyter): apt-get install " + PACKAGES));
    Path out = Path.of(cli.option("out", DEFAULT_OUT));
    String timeout = cli.option("timeout", "600");
    if (!timeout.matches("[1-9][0-9]*")) {
      throw new UsageError("notebook run: --timeout must be a positive number of seconds, was '" + timeout + "'");
    }
    Path work = null;
    try {
      work = Files.createTempDirectory("flywheel-notebook-run");
      String kernelName = "flywheel-run";
      // A kernelspec of this run's own, so the run uses this config whatever kernel the user installed.
      kernelSpec(cli, Map.of(FlywheelKernel.FAIL_ON_EMPTY_ENV, "true"))
          .write(KernelSpec.kernelDir(work.resolve("jupyter"), kernelName));
      Path script = work.resolve("run_notebooks.py");
      try (InputStream in = NotebookCommand.class.getResourceAsStream("run_notebooks.py")) {
        Files.copy(in, script);
      }
      List<String> command = new ArrayList<>(List.of(python, script.toString(), "--kernel", kernelName,
          "--out", out.toString(), "--timeout", timeout));
      notebooks.forEach(n -> command.add(n.toString()));
      ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
      pb.environment().put("JUPYTER_PATH", work.resolve("jupyter").toString());
      // The runner's own Jupyter files (connection files) stay in the temporary folder too.
      pb.environment().put("JUPYTER_RUNTIME_DIR", work.resolve("runtime").toString());
      System.out.println("notebook run: " + notebooks.size() + " notebook(s), executed copies to " + out);
      int code = pb.start().waitFor();
      if (code != 0) {
        System.err.println("notebook run: failed (see above)");
        return 1;
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("notebook run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("notebook run interrupted", e);
    } finally {
      deleteQuietly(work);
    }
  }

  /** The notebooks named, folders expanded to their {@code *.ipynb} files (sorted, executed copies and checkpoints left out). */
  static List<Path> notebooks(List<String> args) {
    if (args.isEmpty()) {
      throw new UsageError("notebook run needs a notebook or a folder of notebooks\n" + USAGE);
    }
    List<Path> out = new ArrayList<>();
    for (String a : args) {
      Path p = Path.of(a);
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(".ipynb")).sorted().toList();
          if (found.isEmpty()) {
            throw new UsageError("notebook run: no .ipynb file in " + p);
          }
          out.addAll(found);
        } catch (IOException e) {
          throw new UsageError("notebook run: cannot list " + p + ": " + e.getMessage(), e);
        }
      } else if (Files.isRegularFile(p) && a.endsWith(".ipynb")) {
        out.add(p);
      } else {
        throw new UsageError("notebook run: " + a + " is neither a .ipynb file nor a folder");
      }
    }
    return out;
  }

  /**
   * The kernelspec for this command line: this JVM's java and classpath, the Java 17 flags
   * ({@link SubmitCommand#JAVA_17_FLAGS}), {@code FLYWHEEL_KERNEL_JAVA_OPTS}, conf/'s Spark and log
   * settings, and the config to load.
   * The config is checked here, so a bad one fails now and not in the first cell.
   */
  static KernelSpec kernelSpec(CliArgs cli, Map<String, String> extraEnv) {
    Path conf = cli.conf() == null ? null : Path.of(cli.conf()).toAbsolutePath();
    ConfigLoader.Loaded loaded = ConfigLoader.load(conf, System.getenv(), cli.sets());
    List<String> kernelArgs = new ArrayList<>();
    if (conf != null) {
      kernelArgs.addAll(List.of("--conf", conf.toString()));
    }
    for (String s : cli.sets()) {
      kernelArgs.addAll(List.of("--set", s));
    }
    // Jupyter starts the kernel in the notebook's folder: a relative warehouse root is made absolute here.
    String root = loaded.config().warehouse().root();
    if (isRelativeLocalPath(root)) {
      kernelArgs.addAll(List.of("--set", "warehouse.root=" + Path.of(root).toAbsolutePath().normalize()));
    }
    Path confDir = conf != null ? conf.getParent() : Path.of("conf").toAbsolutePath();
    List<String> jvm = new ArrayList<>();
    jvm.add("-Xmx" + System.getenv().getOrDefault("FLYWHEEL_DRIVER_MEMORY", "4g"));
    jvm.addAll(SubmitCommand.JAVA_17_FLAGS);
    jvm.add("-Djava.awt.headless=true");
    // Further JVM options, e.g. -XX:TieredStopAtLevel=1 for the short kernels of `notebook run` in CI.
    String more = System.getenv("FLYWHEEL_KERNEL_JAVA_OPTS");
    if (more != null && !more.isBlank()) {
      jvm.addAll(List.of(more.trim().split("\\s+")));
    }
    if (System.getenv("FLYWHEEL_MASTER") != null) {
      jvm.add("-Dspark.master=" + System.getenv("FLYWHEEL_MASTER"));
    }
    jvm.addAll(sparkDefaults(confDir.resolve("spark-defaults.conf")));
    Path log4j = confDir.resolve("log4j2.properties");
    if (Files.isRegularFile(log4j)) {
      Path logDir = Path.of(System.getenv().getOrDefault("FLYWHEEL_LOG_DIR", "logs")).toAbsolutePath().normalize();
      jvm.add("-Dlog4j2.configurationFile=" + log4j.toAbsolutePath().normalize());
      jvm.add("-Dflywheel.log.file=" + logDir.resolve("flywheel-notebook-kernel.log"));
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPARK_LOCAL_IP", System.getenv().getOrDefault("SPARK_LOCAL_IP", "127.0.0.1"));
    env.putAll(extraEnv);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return KernelSpec.of(java, jvm, classpath(System.getProperty("java.class.path")), kernelArgs, env);
  }

  /** {@code conf/spark-defaults.conf} as {@code -Dkey=value} options, as bin/flywheel passes it (spark-submit reads it itself). */
  static List<String> sparkDefaults(Path file) {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    try {
      return sparkDefaults(Files.readAllLines(file));
    } catch (IOException e) {
      throw new UsageError("notebook: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  static List<String> sparkDefaults(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] kv = t.split("\\s+", 2);
      out.add("-D" + kv[0] + "=" + (kv.length > 1 ? kv[1].strip() : ""));
    }
    return out;
  }

  /** This JVM's classpath with every entry absolute, as the kernel's JVM will start elsewhere. */
  static String classpath(String classpath) {
    List<String> entries = new ArrayList<>();
    for (String e : classpath.split(File.pathSeparator)) {
      if (!e.isBlank()) {
        entries.add(Path.of(e).toAbsolutePath().normalize().toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  static boolean isRelativeLocalPath(String root) {
    if (root.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") && !root.matches("^[A-Za-z]:[\\\\/].*")) {
      return root.startsWith("file:") && !URI.create(root).getPath().startsWith("/");
    }
    return !Path.of(root).isAbsolute();
  }

  /**
   * A Python that can run notebooks (imports nbclient and nbformat): {@code $FLYWHEEL_PYTHON}, else
   * Debian's {@code /usr/bin/python3}, else {@code python3} on PATH (which may be a pyenv shim without
   * Jupyter, hence the check).
   */
  public static Optional<String> python(Map<String, String> env) {
    List<String> candidates = new ArrayList<>();
    if (env.get("FLYWHEEL_PYTHON") != null) {
      candidates.add(env.get("FLYWHEEL_PYTHON"));
    }
    candidates.add("/usr/bin/python3");
    candidates.add("python3");
    for (String c : candidates) {
      if (canRunNotebooks(c)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  private static boolean canRunNotebooks(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import nbclient, nbformat, jupyter_client")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temporary folder is harmless.
    }
  }
}
