// Starts `kpi lsp` for .kpi files and hands it to VS Code's language client.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("kpidsl");
  const command = config.get<string[]>("server.command", ["kpi", "lsp"]);
  if (command.length === 0) {
    void vscode.window.showErrorMessage("kpidsl.server.command is empty: set it to e.g. [\"kpi\", \"lsp\"].");
    return;
  }
  const run = { command: command[0], args: command.slice(1), transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "kpi" }, { scheme: "untitled", language: "kpi" }],
    initializationOptions: { debounceMs: config.get<number>("server.debounceMs", 200) },
  };
  client = new LanguageClient("kpidsl", "kpi lsp", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Could not start \`${command.join(" ")}\`: install kpidsl with \`pip install 'kpidsl[lsp]'\` ` +
        `or set kpidsl.server.command. (${String(err)})`);
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
