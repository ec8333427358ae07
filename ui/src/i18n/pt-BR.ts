import type { Messages } from "./en";

/** Brazilian Portuguese. */
export const ptBR: Messages = {
  "app.name": "Switchboard",
  "app.version": "Versão {version}",
  "login.heading": "Entrar",
  "login.subtitle": "Conecte-se ao servidor Switchboard da sua equipe.",
  "login.server": "Endereço do servidor",
  "login.serverPlaceholder": "https://chat.exemplo.com.br",
  "login.user": "Usuário",
  "login.password": "Senha",
  "login.submit": "Entrar",
  "login.submitting": "Entrando…",
  "error.not_connected": "Ainda não conectado: esta versão não consegue entrar em um servidor.",
  "error.data_dir_unavailable": "O Switchboard não tem uma pasta para seus dados: {message}",
  "error.unknown": "Algo deu errado: {message}",
};
