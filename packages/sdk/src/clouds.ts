/**
 * The four Partner Center clouds: where each one's API lives and where its users and apps sign in
 * (reference §5; Partner-Center-PowerShell EnvironmentConstants). Global, Germany and US Government
 * share one API host; 21Vianet (China) has its own, and each cloud has its own Entra authority.
 */

export type CloudName = 'global' | 'china' | 'germany' | 'usgov';

export interface Cloud {
  name: CloudName;
  /** Partner Center API base URL (without `/v1`). */
  apiBaseUrl: string;
  /** Entra (Azure AD) sign-in authority. */
  authority: string;
  /** Resource asked for app-only tokens: the Azure AD Graph audience, as the Partner Center SDKs do. */
  appOnlyResource: string;
  /** Resource asked for app+user tokens: the Partner Center API itself. */
  userResource: string;
}

const PARTNER_CENTER = 'https://api.partnercenter.microsoft.com';
const PARTNER_CENTER_CHINA = 'https://partner.partnercenterapi.microsoftonline.cn';

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = Object.freeze({
  global: {
    name: 'global',
    apiBaseUrl: PARTNER_CENTER,
    authority: 'https://login.microsoftonline.com',
    appOnlyResource: 'https://graph.windows.net',
    userResource: PARTNER_CENTER,
  },
  china: {
    name: 'china',
    apiBaseUrl: PARTNER_CENTER_CHINA,
    authority: 'https://login.chinacloudapi.cn',
    appOnlyResource: 'https://graph.chinacloudapi.cn',
    userResource: PARTNER_CENTER_CHINA,
  },
  germany: {
    name: 'germany',
    apiBaseUrl: PARTNER_CENTER,
    authority: 'https://login.microsoftonline.de',
    appOnlyResource: 'https://graph.cloudapi.de',
    userResource: PARTNER_CENTER,
  },
  usgov: {
    name: 'usgov',
    apiBaseUrl: PARTNER_CENTER,
    authority: 'https://login.microsoftonline.us',
    appOnlyResource: 'https://graph.windows.net',
    userResource: PARTNER_CENTER,
  },
});

/** Other spellings people use for the clouds: PowerShell's environment names and the operators' names. */
const ALIASES: Record<string, CloudName> = {
  global: 'global',
  public: 'global',
  azurecloud: 'global',
  globalcloud: 'global',
  china: 'china',
  '21vianet': 'china',
  azurechinacloud: 'china',
  chinacloud: 'china',
  germany: 'germany',
  azuregermancloud: 'germany',
  germancloud: 'germany',
  usgov: 'usgov',
  usgovernment: 'usgov',
  'us-government': 'usgov',
  azureusgovernment: 'usgov',
};

/**
 * The cloud of a name or alias (`global`, `21Vianet`, `AzureChinaCloud`, `usgov`…), case-insensitive.
 * @example resolveCloud('21Vianet').apiBaseUrl // 'https://partner.partnercenterapi.microsoftonline.cn'
 */
export function resolveCloud(name: string): Cloud {
  const key = ALIASES[name.trim().toLowerCase()];
  if (!key) throw new TypeError(`Unknown Partner Center cloud "${name}": use global, china (21Vianet), germany or usgov.`);
  return CLOUDS[key];
}
