// The litcap extension: starts `litcap lsp` (stdio) for .litcap files and for the YAML and
// JSON forms (*.litcap.yaml, *.litcap.yml, *.litcap.json).
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("litcap").get("path") || "litcap";
  const serverOptions = {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "litcap" },
      { scheme: "file", pattern: "**/*.litcap.{yaml,yml,json}" },
      { scheme: "untitled", language: "litcap" },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.litcap{,.yaml,.yml,.json}"),
    },
  };
  client = new LanguageClient("litcap", "litcap", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
