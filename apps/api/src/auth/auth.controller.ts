import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuthService, CurrentUser, PasswordPolicy, Public, ReqMeta, Roles, type MfaChallenge } from '@mend/auth';
import { APP_CONFIG, webAppOrigins, type AppConfig } from '@mend/config';
import { type RequestMeta, type UserPrincipal } from '@mend/core';

import {
  CookieMfaSignedInResponse,
  CookieSignedInResponse,
  InvitationPreviewResponse,
  MfaChallengeResponse,
  MfaSignedInResponse,
  PasswordStrengthResponse,
  RecentAuthResponse,
  SignedInResponse,
  SignUpResponse,
  TotpEnrolmentResponse,
} from '../users/user.response.js';
import {
  AcceptInvitationRequest,
  ForgotPasswordRequest,
  LoginRequest,
  MfaLoginRequest,
  PasswordStrengthRequest,
  ProofRequest,
  RefreshRequest,
  ResetPasswordRequest,
  SignUpRequest,
} from './auth.request.js';
import {
  assertCsrfProof,
  clearRefreshCookie,
  refreshCookie,
  setRefreshCookie,
  withoutRefreshToken,
} from './session-cookies.js';

const COOKIE_MODE =
  "The web app's mode: the refresh token travels only in the `mend_refresh` cookie (httpOnly, Secure, " +
  'SameSite=Strict, path `/v1/auth`), never in a body page script could read; keep the access token in memory. ' +
  'Refresh and cookie logout need the header `X-Mend-CSRF: 1` (a cross-site page cannot send it). ' +
  'Integrators use the bearer routes (`/v1/auth/login`, `/v1/auth/refresh`) instead.';

const TWO_STEP =
  'Users with a second factor (TOTP) sign in in two steps: this answers `{ mfaRequired: true, mfaToken, ' +
  'expiresIn }` instead of a session, and `POST /v1/auth/login/mfa` (cookie mode: `/v1/auth/cookie/login/mfa`) ' +
  'exchanges the mfaToken (single use, 5 minutes) and a code for the session. When the clinic requires a ' +
  'second factor of staff and the user has none, the answer also carries `enrolment` (secret and otpauth URI): ' +
  "the authenticator's first code then completes both enrolment and sign-in.";

/** 200: a session, or the challenge of a two-step sign-in. */
function signedInOrChallenge(session: new () => object) {
  return ApiOkResponse({
    description: 'A session, or (second factor) a challenge to answer with a code',
    schema: { oneOf: [{ $ref: getSchemaPath(session) }, { $ref: getSchemaPath(MfaChallengeResponse) }] },
  });
}

@ApiTags('auth')
@ApiExtraModels(MfaChallengeResponse, TotpEnrolmentResponse, SignedInResponse, CookieSignedInResponse)
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly policy: PasswordPolicy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The web app's own origins, read per request: the public URL may be settled after boot (a port 0 listen). */
  private get allowedOrigins(): string[] {
    return webAppOrigins(this.config.http);
  }

  private inCookie<T extends { refreshToken: string }>(reply: FastifyReply, session: T | MfaChallenge) {
    if ('mfaRequired' in session) return session;
    setRefreshCookie(reply, session.refreshToken, this.config.auth.refreshFamilyMaxDays * 86_400);
    return withoutRefreshToken(session);
  }

  @Post('clinics')
  @Public()
  @ApiOperation({ summary: 'Create a clinic and its first admin (rate-limited per IP)' })
  @ApiCreatedResponse({ type: SignUpResponse })
  @ApiConflictResponse({ description: 'The slug is taken' })
  @ApiTooManyRequestsResponse({ description: 'Too many sign-ups from this address; see Retry-After' })
  signUp(@Body() body: SignUpRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.signUp(body, meta);
  }

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in to a clinic with email and password', description: TWO_STEP })
  @signedInOrChallenge(SignedInResponse)
  @ApiUnauthorizedResponse({ description: 'Unknown clinic, unknown email or wrong password (indistinguishable)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address or for this account; see Retry-After',
  })
  login(@Body() body: LoginRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.login(body, meta);
  }

  @Post('auth/login/mfa')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Second step of a sign-in: the mfaToken and a TOTP code (or an unused recovery code)',
    description:
      'Wrong codes count like wrong passwords (refused per account and address, slowed down per account); one ' +
      'mfaToken accepts at most five wrong codes. After an enrolment challenge the answer carries the ten ' +
      'recovery codes, shown this once.',
  })
  @ApiOkResponse({ type: MfaSignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Wrong code, or an unknown, used or expired mfaToken (sign in again)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many wrong codes from this address for this account; see Retry-After',
  })
  loginMfa(@Body() body: MfaLoginRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.completeMfaLogin(body, meta);
  }

  @Post('auth/cookie/login/mfa')
  @Public()
  @HttpCode(200)
  @ApiTags('auth (web app cookie mode)')
  @ApiOperation({
    summary: 'Second step of a sign-in (cookie mode): the refresh token is set as an httpOnly cookie',
    description: COOKIE_MODE,
  })
  @ApiOkResponse({ type: CookieMfaSignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Wrong code, or an unknown, used or expired mfaToken (sign in again)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many wrong codes from this address for this account; see Retry-After',
  })
  async cookieLoginMfa(
    @Body() body: MfaLoginRequest,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.inCookie(reply, await this.auth.completeMfaLogin(body, meta));
  }

  @Post('auth/reauth')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({
    summary: 'Re-authenticate for sensitive actions: the password again (or a current code with a second factor)',
    description:
      'Answers a new access token for the same sign-in whose `auth_time` is now; sensitive actions (role ' +
      'changes, disabling users, API keys, webhook secrets, export and erasure of a couple, the clinic security ' +
      'settings) accept it for 10 minutes (RECENT_AUTH_MAX_AGE_SECONDS). Works in bearer and cookie modes (the ' +
      'refresh token is not changed). Wrong answers are throttled like wrong passwords.',
  })
  @ApiOkResponse({ type: RecentAuthResponse })
  @ApiBadRequestResponse({ description: 'Wrong password or code, or the needed one missing' })
  reauth(@CurrentUser() principal: UserPrincipal, @Body() body: ProofRequest) {
    return this.auth.reauthenticate(principal, body);
  }

  @Post('auth/refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; a reused token revokes its whole family' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or already-used refresh token' })
  refresh(@Body() body: RefreshRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.refresh(body.refreshToken, meta);
  }

  @Post('auth/cookie/login')
  @Public()
  @HttpCode(200)
  @ApiTags('auth (web app cookie mode)')
  @ApiOperation({
    summary: 'Sign in (cookie mode, for the web app): the refresh token is set as an httpOnly cookie, not answered',
    description: `${COOKIE_MODE}\n\n${TWO_STEP}`,
  })
  @signedInOrChallenge(CookieSignedInResponse)
  @ApiUnauthorizedResponse({ description: 'Unknown clinic, unknown email or wrong password (indistinguishable)' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address for this account; see Retry-After' })
  async cookieLogin(
    @Body() body: LoginRequest,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.inCookie(reply, await this.auth.login(body, meta));
  }

  @Post('auth/cookie/refresh')
  @Public()
  @HttpCode(200)
  @ApiTags('auth (web app cookie mode)')
  @ApiHeader({ name: 'X-Mend-CSRF', required: true, description: 'Must be `1` (CSRF protection)' })
  @ApiOperation({
    summary: 'Refresh from the mend_refresh cookie (cookie mode); rotates the cookie',
    description: COOKIE_MODE,
  })
  @ApiOkResponse({ type: CookieSignedInResponse })
  @ApiNoContentResponse({ description: 'No mend_refresh cookie: this browser holds no sign-in to continue' })
  @ApiUnauthorizedResponse({ description: 'An unknown, expired, revoked or already-used refresh token' })
  @ApiForbiddenResponse({ description: 'The CSRF header is missing, or the request is cross-site' })
  async cookieRefresh(
    @Req() request: FastifyRequest,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertCsrfProof(request, this.allowedOrigins);
    const token = refreshCookie(request);
    // No cookie: this browser holds no sign-in. Not an error: the web app asks on every page
    // load (it cannot see the httpOnly cookie), and a signed-out load must stay quiet.
    if (!token) {
      reply.status(204);
      return undefined;
    }
    try {
      return this.inCookie(reply, await this.auth.refresh(token, meta));
    } catch (error) {
      clearRefreshCookie(reply);
      throw error;
    }
  }

  @Post('auth/cookie/logout')
  @Public()
  @HttpCode(204)
  @ApiTags('auth (web app cookie mode)')
  @ApiHeader({ name: 'X-Mend-CSRF', required: true, description: 'Must be `1` (CSRF protection)' })
  @ApiOperation({ summary: 'Sign out (cookie mode): ends the sign-in of the mend_refresh cookie and clears it' })
  @ApiNoContentResponse()
  @ApiForbiddenResponse({ description: 'The CSRF header is missing, or the request is cross-site' })
  async cookieLogout(
    @Req() request: FastifyRequest,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertCsrfProof(request, this.allowedOrigins);
    const token = refreshCookie(request);
    if (token) await this.auth.logoutByRefreshToken(token, meta);
    clearRefreshCookie(reply);
  }

  @Post('auth/cookie/invitations/:token/accept')
  @Public()
  @HttpCode(200)
  @ApiTags('auth (web app cookie mode)')
  @ApiOperation({
    summary: 'Accept an invitation (cookie mode): the refresh token is set as an httpOnly cookie',
    description:
      'In a clinic that requires a second factor of staff, a staff invitee gets an enrolment challenge instead.',
  })
  @signedInOrChallenge(CookieSignedInResponse)
  @ApiConflictResponse({ description: 'The invitation was already used' })
  @ApiGoneResponse({ description: 'The invitation expired or was replaced' })
  async cookieAccept(
    @Param('token') token: string,
    @Body() body: AcceptInvitationRequest,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.inCookie(reply, await this.auth.acceptInvitation(token, body.password, meta));
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'End this sign-in: its refresh tokens and access tokens stop working' })
  @ApiNoContentResponse()
  logout(@CurrentUser() principal: UserPrincipal) {
    return this.auth.logout(principal);
  }

  @Post('auth/logout-all')
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Sign out everywhere: every sign-in of this user ends, this one included' })
  @ApiNoContentResponse()
  logoutEverywhere(@CurrentUser() principal: UserPrincipal) {
    return this.auth.logoutEverywhere(principal);
  }

  @Post('auth/password/forgot')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a password reset email',
    description:
      'Always 202 with an empty body, whether or not the clinic and email exist. An active user receives a ' +
      'single-use link to `/reset-password?token=…` under PUBLIC_URL, valid for one hour. Rate-limited per ' +
      'address and per account.',
  })
  @ApiAcceptedResponse({ description: 'Accepted (the same answer whether or not the account exists)' })
  @ApiTooManyRequestsResponse({ description: 'Too many reset requests from this address; see Retry-After' })
  forgotPassword(@Body() body: ForgotPasswordRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.forgotPassword(body, meta);
  }

  @Post('auth/password/reset')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Choose a new password with the emailed reset token; every sign-in of the account ends',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'The password is too short, too long or too easy to guess' })
  @ApiGoneResponse({ description: 'The link is unknown, used or expired' })
  resetPassword(@Body() body: ResetPasswordRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.resetPassword(body, meta);
  }

  @Post('auth/password-strength')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: "How strong a password is, by the API's own rule (for strength feedback while typing)",
    description: 'Nothing is stored or logged. The API accepts a password with a score of 3 or more.',
  })
  @ApiOkResponse({ type: PasswordStrengthResponse })
  passwordStrength(@Body() body: PasswordStrengthRequest) {
    return this.policy.assess(body.password, body.userInputs);
  }

  @Get('invitations/:token')
  @Public()
  @ApiOperation({ summary: 'What an invitation link is for (clinic, inviter, name, role, status)' })
  @ApiOkResponse({ type: InvitationPreviewResponse })
  preview(@Param('token') token: string) {
    return this.auth.previewInvitation(token);
  }

  @Post('invitations/:token/accept')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Accept an invitation by choosing a password; answers a signed-in session',
    description:
      'In a clinic that requires a second factor of staff, a staff invitee gets an enrolment challenge instead ' +
      '(`enrolment` and `mfaToken`; finish at POST /v1/auth/login/mfa).',
  })
  @signedInOrChallenge(SignedInResponse)
  @ApiConflictResponse({ description: 'The invitation was already used' })
  @ApiGoneResponse({ description: 'The invitation expired or was replaced' })
  accept(@Param('token') token: string, @Body() body: AcceptInvitationRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.acceptInvitation(token, body.password, meta);
  }
}
